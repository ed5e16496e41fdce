using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// Multi-head scaled dot-product attention with <c>torch.nn.MultiheadAttention</c>'s parameters (batch-first, as with
/// <c>batch_first=True</c>): query <c>[B, Tq, E]</c>, key and value <c>[B, Tk, E]</c> give <c>[B, Tq, E]</c>.
/// <code>
/// Q = query·W_qᵀ + b_q    K = key·W_kᵀ + b_k    V = value·W_vᵀ + b_v      (each [B, T, E], split into h heads of E/h)
/// A = softmax(Q_h K_hᵀ / √(E/h), masked)    head_h = A V_h    output = concat(heads)·W_oᵀ + b_o
/// </code>
/// <c>in_proj_weight</c> is <c>[3E, E]</c> (rows W_q, W_k, W_v), <c>in_proj_bias</c> <c>[3E]</c>, <c>out_proj.weight</c>
/// <c>[E, E]</c> and <c>out_proj.bias</c> <c>[E]</c> — PyTorch's names, layout and initialization (Glorot-uniform over
/// the whole <c>[3E, E]</c> input projection, U(−1/√E, 1/√E) output weight, zero biases), so a state dict exchanges with
/// PyTorch's module as it is.
/// </summary>
/// <remarks>
/// <para><b>Masks.</b> A mask is a bool tensor, true where a query may attend to a key and false where it may not (Keras'
/// convention; a numeric 0/1 mask still works, any non-zero value meaning "may attend"). <c>mask</c>
/// broadcasts to <c>[B, heads, Tq, Tk]</c>: rank 2 is <c>[Tq, Tk]</c> (shared by the batch, e.g. causal), rank 3
/// <c>[B, Tq, Tk]</c>, rank 4 as is (e.g. a padding mask <c>[B, 1, 1, Tk]</c>). <c>keyPaddingMask</c> is <c>[B, Tk]</c>
/// (PyTorch's <c>key_padding_mask</c>, but with true = keep: PyTorch's masks mean the opposite, true = ignore, so pass
/// <c>pytorchMask.Equal(0)</c>, i.e. the logical not, when porting). <c>causal: true</c> adds the mask "key j ≤ query i". All
/// given masks combine (a key must be allowed by each). Masked scores are replaced by −∞ before the softmax
/// (<c>where</c>, not an added large negative), so a masked key gets exactly zero weight whatever the scores, and no
/// gradient. A query row whose keys are all masked gets all-zero weights — so its output is the output bias
/// <c>out_proj.bias</c> alone — rather than PyTorch's NaN: its scores are replaced by zeros before the softmax and its
/// weights by zeros after it, so no NaN appears anywhere, forward or backward.</para>
/// <para><b>Dropout</b> (probability <c>dropout</c>) applies to the attention weights in training mode, after masking;
/// <see cref="CallWithWeights(Tensor, Tensor, Tensor, Tensor?, Tensor?)"/> returns the weights before dropout (as Keras does).</para>
/// <para>The layer is a composition of tensor ops (matmul, reshape, permute, where, softmax, dropout), so its
/// gradients of any order come from their rules, and it traces abstractly (no tensor value is read in the
/// forward pass).</para>
/// </remarks>
public sealed class MultiHeadAttention : Layer
{
    [NotTracked]
    private readonly Generator? generator;

    // Named like PyTorch's parameters (discovery names a parameter after its field).
    private Tensor in_proj_weight;
    private Tensor? in_proj_bias;
    private readonly OutProjection out_proj;

    // What the multi-input calls pass through Call to Forward (and the weights back); never parameters, and cleared
    // when the call returns so a later self-attention call does not see them.
    [NotTracked]
    private Pending pending;

    /// <summary>Creates the layer (parameters in float32; <see cref="Layer.To"/> converts them).</summary>
    /// <param name="numHeads">Number of heads h; must divide <paramref name="embedDim"/>.</param>
    /// <param name="embedDim">Model width E: the last axis of query, key, value and output. Each head has E/h features.</param>
    /// <param name="dropout">Drop probability for the attention weights in training mode, in [0, 1).</param>
    /// <param name="useBias">Whether the projections have biases (PyTorch's <c>bias</c>).</param>
    /// <param name="causal">Whether query i may attend only to keys j ≤ i (PyTorch's <c>is_causal</c>, Keras' <c>use_causal_mask</c>).</param>
    /// <param name="seed">Seeds the layer's own dropout generator (reproducible masks); <see cref="Generator.Default"/> when null.</param>
    /// <param name="name">The layer name; <c>multi_head_attention</c> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, h does not divide E, or dropout is outside [0, 1).</exception>
    public MultiHeadAttention(int numHeads, int embedDim, double dropout = 0, bool useBias = true, bool causal = false, long? seed = null, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numHeads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embedDim);
        if (embedDim % numHeads != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numHeads), numHeads, $"MultiHeadAttention: embedDim {embedDim} must be divisible by numHeads {numHeads}.");
        }

        if (dropout is < 0 or >= 1 || double.IsNaN(dropout))
        {
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "MultiHeadAttention: dropout must be in [0, 1).");
        }

        NumHeads = numHeads;
        EmbedDim = embedDim;
        Dropout = dropout;
        UseBias = useBias;
        Causal = causal;
        generator = seed is { } s ? new Generator(s) : null;
        in_proj_weight = new GlorotUniform().Create([3 * embedDim, embedDim]).RequireGrad();
        in_proj_bias = useBias ? Tensor.Zeros([3 * embedDim]).RequireGrad() : null;
        out_proj = new OutProjection(embedDim, useBias);
    }

    /// <summary>Number of heads h.</summary>
    public int NumHeads { get; }

    /// <summary>Model width E.</summary>
    public int EmbedDim { get; }

    /// <summary>Features per head, E/h.</summary>
    public int HeadDim => EmbedDim / NumHeads;

    /// <summary>Drop probability for the attention weights in training mode.</summary>
    public double Dropout { get; }

    /// <summary>Whether the projections have biases.</summary>
    public bool UseBias { get; }

    /// <summary>Whether the causal mask (key j ≤ query i) is always applied.</summary>
    public bool Causal { get; }

    /// <summary>The stacked input projection <c>[3E, E]</c>, rows W_q, W_k, W_v (<c>in_proj_weight</c>).</summary>
    public Tensor InProjWeight => in_proj_weight;

    /// <summary>The stacked input bias <c>[3E]</c> (<c>in_proj_bias</c>); null without bias.</summary>
    public Tensor? InProjBias => in_proj_bias;

    /// <summary>The output projection <c>[E, E]</c> (<c>out_proj.weight</c>).</summary>
    public Tensor OutProjWeight => out_proj.weight;

    /// <summary>The output bias <c>[E]</c> (<c>out_proj.bias</c>); null without bias.</summary>
    public Tensor? OutProjBias => out_proj.bias;

    /// <inheritdoc/>
    protected override string DefaultName => "multi_head_attention";

    /// <summary>
    /// Self-attention: query, key and value are all <paramref name="input"/> <c>[B, T, E]</c>, with the causal mask if
    /// the layer has one. (Reached through <see cref="Layer.Call"/>, which is how a <see cref="Sequential"/> runs it.)
    /// </summary>
    /// <exception cref="ArgumentException">An input is not <c>[B, T, E]</c> in the parameters' dtype, or a mask does not broadcast.</exception>
    public override Tensor Forward(Tensor input)
    {
        Pending p = pending;
        (Tensor output, Tensor weights) = Attend(input, p.Key ?? input, p.Value ?? input, p.Mask, p.KeyPaddingMask);
        if (p.CaptureWeights)
        {
            pending.Weights = weights;
        }

        return output;
    }

    // No (input, mask) overload for self-attention: a call with three tensors would then bind to it (mask = key) rather
    // than to (query, key, value). Self-attention with a mask is Call(x, x, x, mask).

    /// <summary>Attention of <paramref name="query"/> over <paramref name="key"/>/<paramref name="value"/>, through <see cref="Layer.Call"/> (shapes are recorded for the summary).</summary>
    /// <param name="query">Queries <c>[B, Tq, E]</c>.</param>
    /// <param name="key">Keys <c>[B, Tk, E]</c>.</param>
    /// <param name="value">Values <c>[B, Tk, E]</c>.</param>
    /// <param name="mask">Bool, true = may attend, false = masked (or numeric, non-zero = may attend); broadcasts to <c>[B, heads, Tq, Tk]</c> (rank 2 is <c>[Tq, Tk]</c>, rank 3 <c>[B, Tq, Tk]</c>).</param>
    /// <param name="keyPaddingMask"><c>[B, Tk]</c>, bool: true = a real key, false = padding (or numeric, non-zero = real).</param>
    /// <returns>The output <c>[B, Tq, E]</c>.</returns>
    /// <exception cref="ArgumentException">A shape or dtype is wrong; the message names the tensor and the expected shape.</exception>
    public Tensor Call(Tensor query, Tensor key, Tensor value, Tensor? mask = null, Tensor? keyPaddingMask = null) =>
        Run(query, key, value, mask, keyPaddingMask, captureWeights: false).Output;

    /// <summary>As <see cref="Call(Tensor, Tensor, Tensor, Tensor?, Tensor?)"/>, also returning the attention weights <c>[B, heads, Tq, Tk]</c> (before dropout; each row sums to 1, or is all zeros when every key of the row is masked).</summary>
    /// <exception cref="ArgumentException">A shape or dtype is wrong.</exception>
    public (Tensor Output, Tensor Weights) CallWithWeights(Tensor query, Tensor key, Tensor value, Tensor? mask = null, Tensor? keyPaddingMask = null) =>
        Run(query, key, value, mask, keyPaddingMask, captureWeights: true);

    private (Tensor Output, Tensor Weights) Run(Tensor query, Tensor key, Tensor value, Tensor? mask, Tensor? keyPaddingMask, bool captureWeights)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        pending = new Pending { Key = key, Value = value, Mask = mask, KeyPaddingMask = keyPaddingMask, CaptureWeights = captureWeights };
        try
        {
            Tensor output = Call(query);
            return (output, pending.Weights!);
        }
        finally
        {
            pending = default;
        }
    }

    private (Tensor Output, Tensor Weights) Attend(Tensor query, Tensor key, Tensor value, Tensor? mask, Tensor? keyPaddingMask)
    {
        CheckInput("query", query);
        CheckInput("key", key);
        CheckInput("value", value);
        if (key.Shape[0] != query.Shape[0] || value.Shape[0] != query.Shape[0] || value.Shape[1] != key.Shape[1])
        {
            throw new ArgumentException(
                $"MultiHeadAttention '{Name}': query {query.Shape}, key {key.Shape} and value {value.Shape} must share the batch, and key and value the length.");
        }

        int batch = query.Shape[0], tq = query.Shape[1], tk = key.Shape[1], e = EmbedDim;
        Tensor? allowed = AttentionMask.Combine($"MultiHeadAttention '{Name}'", batch, tq, tk, mask, keyPaddingMask, Causal);

        // PyTorch scales q before the product; the same order keeps float32 results closest to it.
        Tensor q = SplitHeads(Project(query, 0), batch, tq) * (1.0 / Math.Sqrt(HeadDim));
        Tensor k = SplitHeads(Project(key, 1), batch, tk);
        Tensor v = SplitHeads(Project(value, 2), batch, tk);
        Tensor scores = q.MatMul(k, false, true);                      // [B, h, Tq, Tk]
        Tensor weights = AttentionMask.Softmax(scores, allowed);
        Tensor context = weights.Dropout(Dropout, Training, generator).MatMul(v);   // [B, h, Tq, d]
        Tensor merged = context.Permute(0, 2, 1, 3).Reshape(batch, tq, e);
        return (out_proj.Call(merged), weights);
    }

    /// <summary>x·W_iᵀ + b_i for block i (0 = q, 1 = k, 2 = v) of the stacked projection, as one 2-D GEMM.</summary>
    private Tensor Project(Tensor x, int block)
    {
        int e = EmbedDim;
        Tensor weight = in_proj_weight.Slice(0, block * e, (block + 1) * e);
        Tensor? bias = in_proj_bias?.Slice(0, block * e, (block + 1) * e);
        return Linear(x, weight, bias);
    }

    /// <summary><c>[B, T, E]</c> → <c>[B, h, T, E/h]</c>: head i owns features i·E/h … (i+1)·E/h − 1, as in PyTorch.</summary>
    private Tensor SplitHeads(Tensor x, int batch, int steps) =>
        x.Reshape(batch, steps, NumHeads, HeadDim).Permute(0, 2, 1, 3);

    private void CheckInput(string role, Tensor x)
    {
        if (x.Rank != 3 || x.Shape[-1] != EmbedDim)
        {
            throw new ArgumentException(
                $"MultiHeadAttention '{Name}': the {role} must be [batch, time, {EmbedDim}] (embedDim), got shape {x.Shape}.", role);
        }

        if (x.Shape[1] == 0)
        {
            throw new ArgumentException($"MultiHeadAttention '{Name}': the {role} has no time steps (shape {x.Shape}).", role);
        }

        if (x.DType != in_proj_weight.DType)
        {
            throw new ArgumentException(
                $"MultiHeadAttention '{Name}': the {role} is {x.Type} but the parameters are {in_proj_weight.DType.ShortName()}; convert one (x.To(DType.{in_proj_weight.DType}) or model.To(DType.{x.DType})).", role);
        }
    }

    /// <summary><c>[B, T, in]</c>·Wᵀ + b with W <c>[out, in]</c> (PyTorch's <c>Linear</c> layout), batch and time merged into one GEMM.</summary>
    internal static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        int batch = x.Shape[0], steps = x.Shape[1];
        Tensor y = x.Reshape(batch * steps, x.Shape[2]).MatMul(weight, false, true);
        if (bias is not null)
        {
            y = y + bias;
        }

        return y.Reshape(batch, steps, weight.Shape[0]);
    }

    private struct Pending
    {
        public Tensor? Key;
        public Tensor? Value;
        public Tensor? Mask;
        public Tensor? KeyPaddingMask;
        public bool CaptureWeights;
        public Tensor? Weights;
    }

    /// <summary>PyTorch's <c>out_proj</c> (a <c>Linear(E, E)</c>): a sub-layer only so the parameters are named <c>out_proj.weight</c> and <c>out_proj.bias</c>.</summary>
    private sealed class OutProjection : Layer
    {
        // Fields (not properties) named as PyTorch's, read directly by the owner.
        internal Tensor weight;
        internal Tensor? bias;

        public OutProjection(int embedDim, bool useBias)
            : base("out_proj")
        {
            double bound = 1.0 / Math.Sqrt(embedDim);
            weight = new RandomUniform(-bound, bound).Create([embedDim, embedDim]).RequireGrad();
            bias = useBias ? Tensor.Zeros([embedDim]).RequireGrad() : null;
        }

        public Tensor Apply(Tensor x) => Linear(x, weight, bias);

        public override Tensor Forward(Tensor input) => Apply(input);
    }
}
