using System.Numerics;
using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

/// <summary>
/// Max pooling's one-pass forward and gradient kernels against a brute-force search over each window (padding never
/// wins, ties to the first element in row-major order, NaN wins): the 2×2 stride-2 fast path on even and odd sizes,
/// overlapping windows, padding, rectangular windows and ceil mode, float32 and float64.
/// </summary>
public class PoolingKernelTests
{
    /// <summary>(planes, H, W, kH, kW, strideH, strideW, padH, padW, ceil).</summary>
    public static TheoryData<int[]> Cases => new()
    {
        new[] { 3, 26, 26, 2, 2, 2, 2, 0, 0, 0 },  // the MNIST cnn's first pooling: the fast path
        new[] { 2, 11, 11, 2, 2, 2, 2, 0, 0, 0 },  // odd size: the last row and column are dropped
        new[] { 2, 11, 11, 2, 2, 2, 2, 0, 0, 1 },  // ceil mode adds partial windows: the general path
        new[] { 2, 7, 9, 3, 3, 2, 2, 1, 1, 0 },    // overlapping windows with padding
        new[] { 1, 5, 6, 2, 3, 1, 2, 1, 1, 1 },    // rectangular, ceil mode
        new[] { 4, 1, 1, 1, 1, 1, 1, 0, 0, 0 },
        new[] { 2, 4, 8, 2, 2, 2, 2, 0, 0, 0 },    // fast path: exactly one vector of four windows per row pair
        new[] { 2, 5, 19, 2, 2, 2, 2, 0, 0, 0 },   // fast path: two vectors and an overlapping third, odd height and width
        new[] { 1, 2, 2, 2, 2, 2, 2, 0, 0, 0 },    // fast path: a single window, scalar only
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MaxForwardAndBackward_MatchBruteForce_Float32(int[] c) => Check<float>(c);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MaxForwardAndBackward_MatchBruteForce_Float64(int[] c) => Check<double>(c);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MaxForwardAndBackward_WithNaNs_MatchBruteForce_Float32(int[] c) => Check<float>(c, withNaNs: true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MaxForwardAndBackward_WithNaNs_MatchBruteForce_Float64(int[] c) => Check<double>(c, withNaNs: true);

    [Fact]
    public void MaxForwardAndBackward_SignedZeroTies_GoToTheFirstElement()
    {
        // Eight windows (two vectors); +0 and −0 compare equal, so the first of them in window order is picked.
        var g = new ConvGeometry(1, 2, 16, 2, 2, 2, 2, 0, 0, 1, 1);
        float[] x = new float[32];
        for (int j = 0; j < 8; j++)
        {
            int slot = j % 4;
            x[(slot < 2 ? 0 : 16) + (2 * j) + (slot % 2)] = -0f; // −0 at one position, +0 at the others
        }

        var y = new float[8];
        Pooling.MaxForward<float>(x, 1, g, y);
        for (int j = 0; j < 8; j++)
        {
            // Window order (0,0), (0,1), (1,0), (1,1): the −0 is first only in windows whose slot is 0.
            Assert.Equal(j % 4 == 0, float.IsNegative(y[j]));
        }

        var dx = new float[32];
        Pooling.MaxBackward<float>([1, 2, 3, 4, 5, 6, 7, 8], x, 1, g, dx);
        for (int j = 0; j < 8; j++)
        {
            Assert.Equal(j + 1f, dx[2 * j]); // always the (0,0) element
            Assert.Equal(0f, dx[(2 * j) + 1] + dx[16 + (2 * j)] + dx[16 + (2 * j) + 1]);
        }
    }

    [Fact]
    public void MaxForward_TiesAndNaN_FollowTheWindowOrderRule()
    {
        var g = new ConvGeometry(1, 2, 4, 2, 2, 2, 2, 0, 0, 1, 1);
        // Window 0 ties at 1 (first: index 0); window 1 holds a NaN, which wins.
        float[] x = [1, 1, 0, 2, 1, 0, float.NaN, 3];
        var y = new float[2];
        Pooling.MaxForward<float>(x, 1, g, y);
        Assert.Equal(1f, y[0]);
        Assert.True(float.IsNaN(y[1]));

        var dx = new float[8];
        Pooling.MaxBackward<float>([10f, 20f], x, 1, g, dx);
        Assert.Equal(new float[] { 10, 0, 0, 0, 0, 0, 20, 0 }, dx);
    }

    private static void Check<T>(int[] c, bool withNaNs = false)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int planes = c[0];
        var g = new ConvGeometry(1, c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], 1, 1, CeilMode: c[9] != 0);
        int h = g.Height, w = g.Width, oH = g.OutHeight, oW = g.OutWidth;

        // Few distinct values, so windows hold ties.
        var random = new Random(5);
        T[] x = Enumerable.Range(0, planes * h * w).Select(_ => T.CreateTruncating(random.Next(6))).ToArray();
        if (withNaNs)
        {
            for (int i = 0; i < x.Length; i += 1 + random.Next(7))
            {
                x[i] = T.NaN;
            }
        }

        T[] dy = Enumerable.Range(0, planes * oH * oW).Select(_ => T.CreateTruncating(random.NextDouble())).ToArray();

        var expectedY = new T[dy.Length];
        var expectedDx = new double[x.Length];
        int o = 0;
        for (int p = 0; p < planes; p++)
        {
            for (int oh = 0; oh < oH; oh++)
            {
                for (int ow = 0; ow < oW; ow++, o++)
                {
                    int best = -1;
                    for (int r = 0; r < g.KernelHeight; r++)
                    {
                        for (int q = 0; q < g.KernelWidth; q++)
                        {
                            int ih = (oh * g.StrideHeight) - g.PadHeight + r, iw = (ow * g.StrideWidth) - g.PadWidth + q;
                            if (ih < 0 || ih >= h || iw < 0 || iw >= w)
                            {
                                continue;
                            }

                            int index = (p * h * w) + (ih * w) + iw;
                            if (best < 0 || x[index] > x[best] || (T.IsNaN(x[index]) && !T.IsNaN(x[best])))
                            {
                                best = index;
                            }
                        }
                    }

                    expectedY[o] = x[best];
                    expectedDx[best] += double.CreateTruncating(dy[o]);
                }
            }
        }

        T[] y = Enumerable.Repeat(T.NaN, dy.Length).ToArray();
        Pooling.MaxForward<T>(x, planes, g, y);
        Assert.Equal(expectedY, y);

        T[] dx = Enumerable.Repeat(T.NaN, x.Length).ToArray();
        Pooling.MaxBackward<T>(dy, x, planes, g, dx);
        for (int i = 0; i < dx.Length; i++)
        {
            Assert.Equal(expectedDx[i], double.CreateTruncating(dx[i]), 1e-6);
        }
    }
}

/// <summary>
/// The 2×2 pooling passes split large batches over the cores by whole planes: the same bits on one and two threads, and
/// the same as the any-window search.
/// </summary>
[Collection(nameof(SettingsCollection))]
public class PoolingThreadCountTests
{
    [Theory]
    [InlineData(128 * 32, 26, 26)]
    [InlineData(3 * 128 + 1, 51, 37)]
    public void TwoByTwo_OneAndTwoThreads_AreBitIdenticalAndMatchTheWindowSearch(int planes, int h, int w)
    {
        var g = new ConvGeometry(1, h, w, 2, 2, 2, 2, 0, 0, 1, 1);
        Assert.True((double)planes * h * w >= 2 * Pooling.MinElementsPerThread);
        var random = new Random(planes);
        float[] x = [.. Enumerable.Range(0, planes * h * w).Select(_ => (float)random.NextDouble())];
        float[] dy = [.. Enumerable.Range(0, planes * g.OutHeight * g.OutWidth).Select(_ => (float)random.NextDouble())];
        var ((y1, dx1), (y2, dx2)) = ThreadCounts.OneAndTwo(() => Run(x, dy, planes, g));
        Assert.Equal(y1, y2);
        Assert.Equal(dx1, dx2);

        var y = new float[y1.Length];
        var dx = new float[dx1.Length];
        Pooling.MaxForwardAnyWindow<float>(x, planes, g, y);
        Pooling.MaxBackwardAnyWindow<float>(dy, x, planes, g, dx);
        Assert.Equal(y, y2);
        Assert.Equal(dx, dx2);
    }

    [Theory]
    [InlineData(128 * 32, 26, 26, 2, 2, 1)] // the cnn's first pooling layer on one thread: runs of seven planes
    [InlineData(128 * 32, 26, 26, 2, 2, 2)] // the same split over two threads
    [InlineData(37, 9, 11, 3, 2, 1)]        // any window (3×3, stride 2): one run at the end, rows of 99
    public void MaxBackward_WithEpilogue_EqualsTheMaskAppliedAfterwards_EveryPlaneOnce(int planes, int h, int w, int kernel, int stride, int threads)
    {
        var g = new ConvGeometry(1, h, w, kernel, kernel, stride, stride, 0, 0, 1, 1);
        var random = new Random(planes + kernel);
        float[] x = [.. Enumerable.Range(0, planes * h * w).Select(_ => (float)random.NextDouble() - 0.3f)];
        float[] dy = [.. Enumerable.Range(0, planes * g.OutHeight * g.OutWidth).Select(_ => (float)random.NextDouble())];
        int before = Settings.NumThreads;
        try
        {
            Settings.NumThreads = threads;
            var plain = new float[x.Length];
            Pooling.MaxBackward<float>(dy, x, planes, g, plain);
            var masked = new float[x.Length];
            var mask = new PositiveMask(x, planes);
            Pooling.MaxBackward<float>(dy, x, planes, g, masked, mask);
            Assert.All(mask.Visits, v => Assert.Equal(1, v));
            Assert.Equal(plain.Select((v, i) => x[i] > 0 ? v : 0f), masked);
            Assert.Contains(masked, v => v != 0f);
        }
        finally
        {
            Settings.NumThreads = before;
        }
    }

    // dx ← dx where x > 0, else 0 (a ReLU's mask, x standing for the ReLU's output), counting the visits of each plane.
    private sealed class PositiveMask(float[] x, int planes) : IGemmEpilogue<float>
    {
        public int[] Visits { get; } = new int[planes];

        public void Apply(Span<float> c, int ldc, int row0, int rows, int col0, int cols)
        {
            Assert.Equal(0, col0);
            Assert.Equal(ldc, cols);
            for (int r = row0; r < row0 + rows; r++)
            {
                Visits[r]++;
                for (int i = r * ldc; i < (r + 1) * ldc; i++)
                {
                    c[i] = x[i] > 0 ? c[i] : 0f;
                }
            }
        }
    }

    private static (float[] Y, float[] Dx) Run(float[] x, float[] dy, int planes, ConvGeometry g)
    {
        var y = new float[dy.Length];
        var dx = new float[x.Length];
        Pooling.MaxForward<float>(x, planes, g, y);
        Pooling.MaxBackward<float>(dy, x, planes, g, dx);
        return (y, dx);
    }
}
