using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

/// <summary>
/// Softmax and log-softmax over short float32 rows (n ≤ 16, one masked vector per row) against float64 references and
/// against the span path they replace for such rows: the same shift and exponential, the sum in another order.
/// The tests switch the short-row path off for a comparison, so they run alone.
/// </summary>
[Collection(nameof(SettingsCollection))]
public class SoftmaxKernelTests
{
    public static TheoryData<int, bool> Rows()
    {
        var data = new TheoryData<int, bool>();
        foreach (int n in new[] { 1, 2, 7, 10, 15, 16 })
        {
            data.Add(n, false);
            data.Add(n, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void ShortRows_MatchFloat64Reference_AndTheSpanPathToTheLastBits(int n, bool log)
    {
        const int outer = 37;
        var random = new Random(n);
        float[] x = [.. Enumerable.Range(0, outer * n).Select(_ => (float)((random.NextDouble() * 40) - 20))];
        x[0] = 1000f; // a shift that keeps exp from overflowing
        float[] shortRows = Run(x, outer, n, log, shortRowsPath: true);
        float[] spans = Run(x, outer, n, log, shortRowsPath: false);
        for (int o = 0; o < outer; o++)
        {
            double max = Enumerable.Range(0, n).Max(j => (double)x[(o * n) + j]);
            double sum = Enumerable.Range(0, n).Sum(j => Math.Exp(x[(o * n) + j] - max));
            for (int j = 0; j < n; j++)
            {
                int i = (o * n) + j;
                double expected = log ? x[i] - max - Math.Log(sum) : Math.Exp(x[i] - max) / sum;
                Assert.True(Math.Abs(shortRows[i] - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"[{o},{j}]: {shortRows[i]} vs {expected}");
                Assert.True(Math.Abs(shortRows[i] - spans[i]) <= 4e-7 * (1 + Math.Abs(spans[i])), $"[{o},{j}]: {shortRows[i]} vs span path {spans[i]}");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ShortRows_NaNAndInfinities_AsTheSpanPath(bool log)
    {
        const int n = 10;
        float[] x = new float[4 * n];
        x[3] = float.NaN;                                     // row 0: NaN everywhere
        x[n + 4] = float.PositiveInfinity;                    // row 1: ∞ − ∞ is NaN
        for (int j = 0; j < n; j++)
        {
            x[(2 * n) + j] = float.NegativeInfinity;          // row 2: all −∞
        }

        x[(3 * n) + 5] = float.NegativeInfinity;              // row 3: one −∞ (probability 0)
        float[] shortRows = Run(x, 4, n, log, shortRowsPath: true);
        float[] spans = Run(x, 4, n, log, shortRowsPath: false);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(float.IsNaN(spans[i]) == float.IsNaN(shortRows[i])
                && (float.IsNaN(spans[i]) || spans[i] == shortRows[i] || Math.Abs(spans[i] - shortRows[i]) <= 4e-7 * (1 + Math.Abs(spans[i]))),
                $"element {i}: {shortRows[i]} vs span path {spans[i]}");
        }

        Assert.Equal(log ? float.NegativeInfinity : 0f, shortRows[(3 * n) + 5]);
    }

    private static float[] Run(float[] x, int outer, int n, bool log, bool shortRowsPath)
    {
        float[] destination = new float[x.Length];
        Softmax.ShortRowsEnabled = shortRowsPath;
        try
        {
            Softmax.Axis<float>(x, destination, outer, n, 1, log);
        }
        finally
        {
            Softmax.ShortRowsEnabled = true;
        }

        return destination;
    }
}
