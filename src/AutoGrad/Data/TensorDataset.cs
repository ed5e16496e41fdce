using AutoGrad.Tensors;

namespace AutoGrad.Data;

/// <summary>
/// Samples held in tensors that share their first (sample) axis: sample i is row i of each tensor (e.g. inputs and
/// labels).
/// </summary>
public sealed class TensorDataset
{
    private readonly Tensor[] tensors;

    /// <summary>Creates the dataset.</summary>
    /// <exception cref="ArgumentException">No tensors, a scalar, or first axes of different lengths.</exception>
    public TensorDataset(params Tensor[] tensors)
    {
        if (tensors.Length == 0)
        {
            throw new ArgumentException("TensorDataset: at least one tensor is needed.", nameof(tensors));
        }

        for (int i = 0; i < tensors.Length; i++)
        {
            if (tensors[i].Rank == 0)
            {
                throw new ArgumentException($"TensorDataset: tensor {i} is a scalar; every tensor needs a sample axis first.", nameof(tensors));
            }

            if (tensors[i].Shape[0] != tensors[0].Shape[0])
            {
                throw new ArgumentException(
                    $"TensorDataset: tensor {i} has {tensors[i].Shape[0]} samples (shape {tensors[i].Shape}) but tensor 0 has {tensors[0].Shape[0]} (shape {tensors[0].Shape}).",
                    nameof(tensors));
            }
        }

        this.tensors = [.. tensors.Select(t => t.Detach())];
    }

    /// <summary>The number of samples.</summary>
    public int Count => tensors[0].Shape[0];

    /// <summary>The tensors, one per field (detached views of the originals).</summary>
    public IReadOnlyList<Tensor> Tensors => tensors;

    /// <summary>Sample <paramref name="index"/>: one row of each tensor (with the sample axis removed).</summary>
    public Tensor[] this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return [.. tensors.Select(t => Rows(t, [index], 0, 1).Reshape(t.Shape.ToArray()[1..]))];
        }
    }

    /// <summary>The rows <c>order[start..start+count)</c> of every tensor, stacked into batch tensors.</summary>
    public Tensor[] Batch(ReadOnlySpan<int> order)
    {
        var result = new Tensor[tensors.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            result[i] = Rows(tensors[i], order, 0, order.Length);
        }

        return result;
    }

    /// <summary>Writes the rows <c>order[..]</c> of every tensor into <paramref name="destination"/> (tensors from an earlier <see cref="Batch"/> of the same size).</summary>
    internal void BatchInto(ReadOnlySpan<int> order, Tensor[] destination)
    {
        for (int i = 0; i < tensors.Length; i++)
        {
            CopyRows(tensors[i], order, 0, order.Length, destination[i]);
            destination[i].MarkWritten();
        }
    }

    /// <summary>Rows <c>[start, start + count)</c> of every tensor as views sharing the dataset's elements (read only).</summary>
    internal Tensor[] RowsView(int start, int count)
    {
        var result = new Tensor[tensors.Length];
        for (int i = 0; i < tensors.Length; i++)
        {
            result[i] = tensors[i].RowsView(start, count);
        }

        return result;
    }

    /// <summary>A dataset of the given samples, in the given order.</summary>
    public TensorDataset Subset(ReadOnlySpan<int> indices) => new(Batch(indices));

    private static Tensor Rows(Tensor source, ReadOnlySpan<int> order, int start, int count)
    {
        int[] dims = source.Shape.ToArray();
        dims[0] = count;
        var batch = Tensor.Zeros(dims, source.DType);
        CopyRows(source, order, start, count, batch);
        return batch;
    }

    private static void CopyRows(Tensor source, ReadOnlySpan<int> order, int start, int count, Tensor batch)
    {
        int rowSize = source.Shape[0] == 0 ? 0 : source.Size / source.Shape[0];
        for (int r = 0; r < count; r++)
        {
            source.CopyTo(order[start + r] * rowSize, batch, r * rowSize, rowSize);
        }
    }
}
