using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// A lookup table: maps integer indices (stored in a float tensor, any shape) to rows of a
/// <c>[numEmbeddings, embeddingDim]</c> weight, giving shape <c>indices.Shape + [embeddingDim]</c>. Initialized N(0, 1) like PyTorch.
/// </summary>
public sealed class Embedding : Layer
{
    /// <summary>Creates the table.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public Embedding(int numEmbeddings, int embeddingDim, Initializer? initializer = null, DType dtype = DType.Float32, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingDim);
        Weight = initializer is null
            ? Tensor.RandN([numEmbeddings, embeddingDim], dtype: dtype).RequireGrad()
            : initializer.Create([numEmbeddings, embeddingDim], dtype).RequireGrad();
    }

    /// <summary>The table <c>[numEmbeddings, embeddingDim]</c>.</summary>
    public Tensor Weight { get; private set; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        int count = Weight.Shape[0];
        // In a trace the indices have no values yet; index_select's kernel checks them when the graph runs.
        for (int i = 0; i < (input.IsAbstract ? 0 : input.Size); i++)
        {
            double index = input.GetFlat(i);
            if (index < 0 || index >= count || index != Math.Floor(index))
            {
                throw new ArgumentOutOfRangeException(nameof(input),
                    $"Embedding '{Name}': index {index} at flat position {i} is not an integer in [0, {count}).");
            }
        }

        Tensor rows = Weight.IndexSelect(0, input.Reshape(input.Size));
        return rows.Reshape([.. input.Shape.ToArray(), Weight.Shape[1]]);
    }
}
