using AutoGrad.Differentiation;
using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// A lookup table: maps Int64 or Int32 indices (any shape; float indices are refused with a hint to convert) to rows of a
/// <c>[numEmbeddings, embeddingDim]</c> weight, giving shape <c>indices.Shape + [embeddingDim]</c>. Initialized N(0, 1) like PyTorch.
/// With <c>paddingIdx</c> (PyTorch's <c>padding_idx</c>) that row starts at zeros and never receives a gradient, so
/// training leaves it as it is: the output at padding positions is the row's current value, but the gradient reaching
/// the table there is multiplied by 0.
/// </summary>
public sealed class Embedding : Layer
{
    /// <summary>Creates the table.</summary>
    /// <param name="numEmbeddings">The number of rows.</param>
    /// <param name="embeddingDim">The size of each row.</param>
    /// <param name="initializer">Fills the table; N(0, 1) when null.</param>
    /// <param name="dtype">The table's dtype.</param>
    /// <param name="name">The layer name; <c>embedding</c> when null.</param>
    /// <param name="paddingIdx">The padding row, in [−numEmbeddings, numEmbeddings) (negative counts from the end, as in PyTorch), or null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the padding index is outside the table.</exception>
    public Embedding(int numEmbeddings, int embeddingDim, Initializer? initializer = null, DType dtype = DType.Float32, string? name = null, int? paddingIdx = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingDim);
        if (paddingIdx is { } p && (p < -numEmbeddings || p >= numEmbeddings))
        {
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), p, $"Embedding: the padding index must be in [{-numEmbeddings}, {numEmbeddings}).");
        }

        PaddingIdx = paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
        Tensor weight = initializer is null
            ? Tensor.RandN([numEmbeddings, embeddingDim], dtype: dtype)
            : initializer.CreateParameter([numEmbeddings, embeddingDim], dtype);
        if (PaddingIdx is { } padding)
        {
            using (Autodiff.NoGrad())
            {
                weight = weight * PaddingMask(Tensor.Arange(numEmbeddings, dtype).Reshape(numEmbeddings, 1), padding);
            }
        }

        Weight = weight.RequireGrad();
    }

    /// <summary>The table <c>[numEmbeddings, embeddingDim]</c>.</summary>
    public Tensor Weight { get; private set; }

    /// <summary>The padding row (normalized to [0, numEmbeddings)), or null.</summary>
    public int? PaddingIdx { get; }

    /// <summary>True where <paramref name="indices"/> differs from the padding index.</summary>
    private static Tensor PaddingMask(Tensor indices, int padding) => indices.NotEqual(padding);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        int count = Weight.Shape[0];
        Ops.Indexing.IndexValues.CheckDType($"Embedding '{Name}'", input.Type);

        // In a trace the indices have no values yet; index_select's kernel checks them when the graph runs.
        for (int i = 0; i < (input.IsAbstract ? 0 : input.Size); i++)
        {
            double index = input.GetFlat(i);
            if (index < 0 || index >= count)
            {
                throw new ArgumentOutOfRangeException(nameof(input),
                    $"Embedding '{Name}': index {index} at flat position {i} is not in [0, {count}).");
            }
        }

        Tensor flat = input.Reshape(input.Size);
        Tensor rows = Weight.IndexSelect(0, flat);
        if (PaddingIdx is { } padding)
        {
            // rows·keep + row_p·(1 − keep): the values are the table's rows, but the padding positions' gradient is
            // multiplied by 0, and row_p itself is read under NoGrad, so the padding row's gradient is exactly zero.
            Tensor keep = PaddingMask(flat, padding).To(Weight.DType).Reshape(-1, 1);
            Tensor paddingRow;
            using (Autodiff.NoGrad())
            {
                paddingRow = Weight.Slice(0, padding, padding + 1);
            }

            rows = (rows * keep) + (paddingRow * (1.0 - keep));
        }

        return rows.Reshape([.. input.Shape.ToArray(), Weight.Shape[1]]);
    }
}
