using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// A Transformer encoder block over <c>[B, T, E]</c>, written as an ordinary custom layer: self-attention and an MLP,
/// each with a residual add and a <see cref="LayerNorm"/>. Post-norm by default, as the original Transformer and
/// PyTorch's <c>nn.TransformerEncoderLayer</c> (<c>norm_first=False</c>):
/// <code>
/// x = norm1(x + dropout(self_attn(x)))           x = x + dropout(self_attn(norm1(x)))      (normFirst: true)
/// x = norm2(x + dropout(mlp(x)))                 x = x + dropout(mlp(norm2(x)))
/// </code>
/// with mlp(x) = linear2(dropout(act(linear1(x)))). Field names follow PyTorch's (<c>self_attn</c>, <c>linear1</c>,
/// <c>linear2</c>, <c>norm1</c>, <c>norm2</c>); the attention's parameters exchange with PyTorch's, but the MLP's are
/// <see cref="Dense"/> kernels <c>[in, out]</c>, the transpose of PyTorch's <c>Linear</c> weights.
/// </summary>
/// <remarks>
/// The residual adds are plain <c>+</c> in <see cref="Forward"/>: with one-input layers, a block with skips is a custom
/// layer, not a stack, so the library has no <c>Add</c> or <c>Concatenate</c> layer.
/// </remarks>
public sealed class TransformerEncoderBlock : Layer
{
    private readonly MultiHeadAttention self_attn;
    private readonly Dense linear1;
    private readonly Dense linear2;
    private readonly LayerNorm norm1;
    private readonly LayerNorm norm2;
    private readonly Dropout dropout;

    // The padding mask CallWithMask passes through Call to Forward; never a parameter.
    [NotTracked]
    private Tensor? pendingKeyPaddingMask;

    /// <summary>Creates the block.</summary>
    /// <param name="embedDim">Model width E (input and output features).</param>
    /// <param name="numHeads">Attention heads; must divide E.</param>
    /// <param name="mlpDim">Hidden width of the MLP (PyTorch's <c>dim_feedforward</c>).</param>
    /// <param name="dropout">Drop probability for the attention weights, the MLP's hidden layer and both residual branches (training mode only).</param>
    /// <param name="normFirst">Pre-norm (true) or post-norm (false, the default).</param>
    /// <param name="activation">The MLP's hidden activation; ReLU when null (PyTorch's default).</param>
    /// <param name="causal">Whether the self-attention is causal.</param>
    /// <param name="epsilon">The layer norms' ε.</param>
    /// <param name="seed">Seeds the dropout generators; <see cref="Generator.Default"/> when null.</param>
    /// <param name="name">The layer name; <c>transformer_encoder_block</c> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, numHeads does not divide embedDim, or dropout is outside [0, 1).</exception>
    public TransformerEncoderBlock(int embedDim, int numHeads, int mlpDim, double dropout = 0, bool normFirst = false,
        Activation? activation = null, bool causal = false, double epsilon = 1e-5, long? seed = null, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mlpDim);
        NormFirst = normFirst;
        self_attn = new MultiHeadAttention(numHeads, embedDim, dropout, causal: causal, seed: seed);
        linear1 = new Dense(mlpDim, activation ?? "relu", inputSize: embedDim);
        linear2 = new Dense(embedDim, inputSize: mlpDim);
        norm1 = new LayerNorm(embedDim, epsilon);
        norm2 = new LayerNorm(embedDim, epsilon);
        this.dropout = new Dropout(dropout, seed is { } s ? s + 1 : null);
    }

    /// <summary>Whether the block is pre-norm.</summary>
    public bool NormFirst { get; }

    /// <summary>The self-attention sub-layer.</summary>
    public MultiHeadAttention SelfAttention => self_attn;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        Tensor x = input;
        if (NormFirst)
        {
            x = x + dropout.Call(Attend(norm1.Call(x)));
            return x + dropout.Call(Mlp(norm2.Call(x)));
        }

        x = norm1.Call(x + dropout.Call(Attend(x)));
        return norm2.Call(x + dropout.Call(Mlp(x)));
    }

    /// <summary>Runs the block (through <see cref="Layer.Call"/>) with a key padding mask <c>[B, T]</c> (1 = a real token, 0 = padding).</summary>
    /// <exception cref="ArgumentException">The input or the mask has the wrong shape.</exception>
    public Tensor CallWithMask(Tensor input, Tensor? keyPaddingMask)
    {
        pendingKeyPaddingMask = keyPaddingMask;
        try
        {
            return Call(input);
        }
        finally
        {
            pendingKeyPaddingMask = null;
        }
    }

    private Tensor Attend(Tensor x) => self_attn.Call(x, x, x, keyPaddingMask: pendingKeyPaddingMask);

    private Tensor Mlp(Tensor x) => linear2.Call(dropout.Call(linear1.Call(x)));
}
