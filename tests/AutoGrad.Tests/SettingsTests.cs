using AutoGrad.Kernels;

namespace AutoGrad.Tests;

/// <summary>Tests that change process-wide settings run alone, so no other test sees the change.</summary>
[CollectionDefinition(nameof(SettingsCollection), DisableParallelization = true)]
public sealed class SettingsCollection;

[Collection(nameof(SettingsCollection))]
public class SettingsTests
{
    [Theory]
    [InlineData(null, 6, 6)]
    [InlineData("", 6, 6)]
    [InlineData("3", 6, 3)]
    [InlineData(" 12 ", 6, 12)]
    [InlineData("0", 6, 6)]
    [InlineData("-2", 6, 6)]
    [InlineData("two", 6, 6)]
    [InlineData("1.5", 6, 6)]
    public void ParseThreadCount_EnvironmentValue_GivesPositiveCountOrFallback(string? value, int fallback, int expected) =>
        Assert.Equal(expected, Settings.ParseThreadCount(value, fallback));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void NumThreads_SetBelowOne_ThrowsArgumentOutOfRange(int value)
    {
        int before = Settings.NumThreads;

        Assert.Throws<ArgumentOutOfRangeException>(() => Settings.NumThreads = value);

        Assert.Equal(before, Settings.NumThreads);
    }

    [Fact]
    public void NumThreads_SetToOneAndTwo_GemmResultsAreIdentical()
    {
        const int m = 300, n = 257, k = 513;
        var random = new Random(11);
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var one = new float[m * n];
        var two = new float[m * n];
        int before = Settings.NumThreads;
        try
        {
            Settings.NumThreads = 1;
            Assert.Equal(1, Parallelism.ThreadsFor(1e12, 1));
            Gemm.Multiply<float>(a, k, false, b, n, false, one, n, m, n, k, accumulate: false);
            Settings.NumThreads = 2;
            Assert.Equal(2, Parallelism.ThreadsFor(1e12, 1));
            Gemm.Multiply<float>(a, k, false, b, n, false, two, n, m, n, k, accumulate: false);
        }
        finally
        {
            Settings.NumThreads = before;
        }

        Assert.Equal(one, two);
        double reference = 0;
        for (int p = 0; p < k; p++)
        {
            reference += (double)a[(123 * k) + p] * b[(p * n) + 45];
        }

        Assert.Equal(reference, one[(123 * n) + 45], 1e-4);
    }
}
