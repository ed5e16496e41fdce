using AutoGrad.Data;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Data;

public class DataLoaderTests
{
    private static TensorDataset Numbers(int count) =>
        new(Tensor.Arange(count).Reshape(count, 1), Tensor.Arange(count) * 10.0);

    [Theory]
    [InlineData(10, 4, false, new[] { 4, 4, 2 })]
    [InlineData(10, 4, true, new[] { 4, 4 })]
    [InlineData(8, 4, false, new[] { 4, 4 })]
    [InlineData(3, 5, false, new[] { 3 })]
    public void Enumerate_BatchSizes_LastPartialUnlessDropLast(int count, int batchSize, bool dropLast, int[] expected)
    {
        var loader = new DataLoader(Numbers(count), batchSize, dropLast: dropLast);
        Assert.Equal(expected, loader.Select(b => b[0].Shape[0]).ToArray());
        Assert.Equal(expected.Length, loader.Count);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void ReusingBuffers_GiveTheSameBatchesAsTheEnumerator(bool shuffle, bool dropLast)
    {
        // Two loaders with one seed draw the same permutations; Fit reads the reusing form batch by batch.
        var plain = new DataLoader(Numbers(23), 5, shuffle, dropLast, seed: 7);
        var reusing = new DataLoader(Numbers(23), 5, shuffle, dropLast, seed: 7);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var expected = plain.Select(b => (b[0].ToArray(), b[1].ToArray(), b[0].Shape.ToArray())).ToList();
            var actual = reusing.ReusingBuffers().Select(b => (b[0].ToArray(), b[1].ToArray(), b[0].Shape.ToArray())).ToList();
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Item1, actual[i].Item1);
                Assert.Equal(expected[i].Item2, actual[i].Item2);
                Assert.Equal(expected[i].Item3, actual[i].Item3);
            }
        }
    }

    [Fact]
    public void ReusingBuffers_Shuffled_RefillsOneSetOfTensors_InOrder_CopiesNothing()
    {
        var shuffled = new DataLoader(Numbers(10), 4, shuffle: true, seed: 1).ReusingBuffers().Select(b => b[0]).ToList();
        Assert.Same(shuffled[0], shuffled[1]);       // the full-size batches share one buffer
        Assert.NotSame(shuffled[1], shuffled[2]);    // the partial last batch has its own

        Tensor features = Tensor.Arange(10).Reshape(10, 1);
        var inOrder = new DataLoader(new TensorDataset(features, Tensor.Arange(10)), 4).ReusingBuffers().Skip(1).First();
        features.Fill(-1);                           // a view sees the dataset's own elements
        Assert.Equal(new[] { -1f, -1f, -1f, -1f }, inOrder[0].ToArray());
    }

    [Fact]
    public void Enumerate_NoShuffle_KeepsOrderAndPairsFields()
    {
        var batches = new DataLoader(Numbers(5), 2).ToList();
        Assert.Equal(new[] { 4f }, batches[2][0].ToArray());
        Assert.Equal(new[] { 20f, 30f }, batches[1][1].ToArray());
        Assert.Equal(new[] { 2, 1 }, batches[0][0].Shape.ToArray());
    }

    [Fact]
    public void Enumerate_Shuffled_EverySampleOncePerEpochAndPairsKept()
    {
        var loader = new DataLoader(Numbers(23), 5, shuffle: true, seed: 3);
        var epoch1 = loader.SelectMany(b => b[0].ToArray()).ToArray();
        var epoch2 = loader.SelectMany(b => b[0].ToArray()).ToArray();
        Assert.Equal(Enumerable.Range(0, 23).Select(i => (float)i), epoch1.Order());
        Assert.NotEqual(epoch1, epoch2);
        Assert.NotEqual(Enumerable.Range(0, 23).Select(i => (float)i), epoch1);
        foreach (var batch in loader)
        {
            Assert.Equal(batch[0].ToArray().Select(v => v * 10), batch[1].ToArray());
        }
    }

    [Fact]
    public void Enumerate_SameSeed_SameSequenceOfEpochs()
    {
        float[] Epochs(long seed)
        {
            var loader = new DataLoader(Numbers(12), 4, shuffle: true, seed: seed);
            return [.. loader.SelectMany(b => b[0].ToArray()), .. loader.SelectMany(b => b[0].ToArray())];
        }

        Assert.Equal(Epochs(9), Epochs(9));
        Assert.NotEqual(Epochs(9), Epochs(10));
    }

    [Fact]
    public void TensorDataset_DifferentSampleCounts_NamesBothShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Zeros([4, 2]), Tensor.Zeros([3])));
        Assert.StartsWith("TensorDataset: tensor 1 has 3 samples (shape (3,)) but tensor 0 has 4 (shape (4, 2)).", error.Message);
    }

    [Fact]
    public void TensorDataset_Indexer_ReturnsOneSampleWithoutTheSampleAxis()
    {
        var sample = Numbers(4)[2];
        Assert.Equal(new[] { 1 }, sample[0].Shape.ToArray());
        Assert.Equal(20f, sample[1].Item());
    }

    [Fact]
    public void DataLoader_NonPositiveBatchSize_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Numbers(3), 0));
    }
}
