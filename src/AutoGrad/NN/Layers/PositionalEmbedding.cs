using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// A learned position table added to a sequence: <c>[B, T, D]</c> → <c>[B, T, D]</c> with output[b, t] = input[b, t] +
/// embeddings[t], for T ≤ <c>maxLength</c> (rows T… of the table are unused by shorter inputs). The table
/// <c>embeddings</c> is <c>[maxLength, D]</c>, Glorot-uniform by default (as Keras' <c>PositionEmbedding</c>).
/// </summary>
public sealed class PositionalEmbedding : Layer
{
    /// <summary>Creates the table (float32 unless <paramref name="dtype"/> says otherwise).</summary>
    /// <param name="maxLength">The longest sequence the layer accepts.</param>
    /// <param name="dim">The feature size D of the inputs.</param>
    /// <param name="initializer">For the table; Glorot-uniform when null.</param>
    /// <param name="dtype">The table's dtype.</param>
    /// <param name="name">The layer name; <c>positional_embedding</c> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public PositionalEmbedding(int maxLength, int dim, Initializer? initializer = null, DType dtype = DType.Float32, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        Embeddings = (initializer ?? new GlorotUniform()).Create([maxLength, dim], dtype).RequireGrad();
    }

    /// <summary>The position table <c>[maxLength, D]</c> (<c>embeddings</c>).</summary>
    public Tensor Embeddings { get; private set; }

    /// <summary>The longest sequence accepted.</summary>
    public int MaxLength => Embeddings.Shape[0];

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The input is not <c>[B, T, D]</c> with 1 ≤ T ≤ maxLength, or its dtype differs from the table's.</exception>
    public override Tensor Forward(Tensor input)
    {
        int dim = Embeddings.Shape[1];
        if (input.Rank != 3 || input.Shape[2] != dim)
        {
            throw new ArgumentException($"PositionalEmbedding '{Name}': the input must be [batch, time, {dim}], got shape {input.Shape}.", nameof(input));
        }

        int steps = input.Shape[1];
        if (steps > MaxLength)
        {
            throw new ArgumentException(
                $"PositionalEmbedding '{Name}': the input has {steps} time steps (shape {input.Shape}) but the table holds {MaxLength} positions (maxLength); create the layer with a larger maxLength.", nameof(input));
        }

        if (input.DType != Embeddings.DType)
        {
            throw new ArgumentException(
                $"PositionalEmbedding '{Name}': the input is {input.Type} but the table is {Embeddings.DType.ShortName()}; convert one (input.To(DType.{Embeddings.DType}) or model.To(DType.{input.DType})).", nameof(input));
        }

        // [T, D] broadcasts over the batch axis.
        return input + Embeddings.Slice(0, 0, steps);
    }
}
