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
    public IEnumerator<Tensor[]> GetEnumerator() => Batches(reuse: false).GetEnumerator();

    /// <summary>
    /// The batches of one epoch for a loop that is done with a batch before it asks for the next and never writes to it
    /// (<c>Fit</c>, <c>Evaluate</c>): shuffled full-size batches are written into the same tensors every time,
    /// unshuffled ones are views of the dataset's rows. An epoch then allocates no batch memory, which at MNIST sizes
    /// would be a large-object allocation per batch.
    /// </summary>
    internal IEnumerable<Tensor[]> ReusingBuffers() => Batches(reuse: true);

    private IEnumerable<Tensor[]> Batches(bool reuse)
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

        Tensor[]? full = null;
        int batches = Count;
        for (int b = 0; b < batches; b++)
        {
            int start = b * BatchSize;
            int size = Math.Min(BatchSize, order.Length - start);
            if (!reuse)
            {
                yield return Dataset.Batch(order.AsSpan(start, size));
                continue;
            }

            if (!Shuffle)
            {
                // In order, a batch is a run of consecutive rows: read it where it lies, copying nothing.
                yield return Dataset.RowsView(start, size);
                continue;
            }

            if (size == BatchSize && full is not null)
            {
                Dataset.BatchInto(order.AsSpan(start, size), full);
                yield return full;
                continue;
            }

            // The first full batch becomes the buffer the others refill; a smaller last batch comes once per epoch.
            Tensor[] batch = Dataset.Batch(order.AsSpan(start, size));
            full ??= size == BatchSize ? batch : null;
            yield return batch;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
