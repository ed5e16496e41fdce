using System.Collections;
using AutoGrad.Tensors;

namespace AutoGrad.Data;

/// <summary>
/// Iterates a <see cref="TensorDataset"/> in batches: each item is one batch tensor per dataset tensor. With
/// shuffling, every enumeration (epoch) draws a new permutation from the loader's generator, so a seeded loader
/// gives the same sequence of epochs on every run. The last batch is smaller when the sample count is not a multiple
/// of the batch size, unless <c>dropLast</c>.
/// </summary>
public sealed class DataLoader : IEnumerable<Tensor[]>
{
    private readonly Generator generator;

    /// <summary>Creates the loader.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="shuffle">Whether to shuffle the order every epoch.</param>
    /// <param name="dropLast">Whether to skip a final partial batch.</param>
    /// <param name="seed">The shuffling seed; without it a generator is seeded from <see cref="Generator.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">batchSize is not positive.</exception>
    public DataLoader(TensorDataset dataset, int batchSize = 32, bool shuffle = false, bool dropLast = false, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        generator = new Generator(seed ?? (long)Generator.Default.NextUInt64());
    }

    /// <summary>The samples.</summary>
    public TensorDataset Dataset { get; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether the order is shuffled every epoch.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a final partial batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>The number of batches per epoch.</summary>
    public int Count => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <inheritdoc/>
    public IEnumerator<Tensor[]> GetEnumerator()
    {
        int[] order = new int[Dataset.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        if (Shuffle)
        {
            generator.Shuffle(order.AsSpan());
        }

        int batches = Count;
        for (int b = 0; b < batches; b++)
        {
            int start = b * BatchSize;
            int size = Math.Min(BatchSize, order.Length - start);
            Tensor[] batch = Dataset.Batch(order.AsSpan(start, size));
            yield return batch;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
