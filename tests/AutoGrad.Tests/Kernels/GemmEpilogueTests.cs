using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

/// <summary>
/// A GEMM with an epilogue (a bias added to every row, then ReLU) must give exactly the product followed by a separate
/// sweep, and the kernel must hand the epilogue every element of C exactly once, on every path, split and edge shape.
/// </summary>
public class GemmEpilogueTests
{
    public static TheoryData<string, int, bool, bool, bool> Configurations()
    {
        var data = new TheoryData<string, int, bool, bool, bool>();
        GemmPath[] paths = [.. new[] { GemmPath.Avx512, GemmPath.Avx2 }.Where(p => Gemm.IsSupported<float>(p)), GemmPath.Scalar];
        foreach (GemmPath path in paths)
        {
            foreach (int threads in new[] { 1, 2 })
            {
                for (int transpose = 0; transpose < 4; transpose++)
                {
                    data.Add(path.ToString(), threads, (transpose & 1) != 0, (transpose & 2) != 0, false);
                    data.Add(path.ToString(), threads, (transpose & 1) != 0, (transpose & 2) != 0, true);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Multiply_WithBiasReluEpilogue_EqualsProductThenSweep(string pathName, int threads, bool transA, bool transB,
        bool accumulate)
    {
        GemmPath path = Enum.Parse<GemmPath>(pathName);

        // Each of m, n, k over 1..70 with the other two fixed, then shapes with several k blocks, wide and narrow
        // outputs, partial row and column tiles, and products large enough to be split over two threads.
        var shapes = new List<(int M, int N, int K)>();
        for (int size = 1; size <= 70; size++)
        {
            shapes.Add((size, 37, 29));
            shapes.Add((23, size, 41));
            shapes.Add((19, 33, size));
        }

        shapes.AddRange([(64, 128, 784), (64, 784, 128), (13, 300, 97), (150, 257, 400), (517, 10, 200), (200, 16, 800)]);
        foreach ((int m, int n, int k) in shapes)
        {
            Check(path, threads, m, n, k, transA, transB, accumulate);
        }
    }

    private static void Check(GemmPath path, int threads, int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        const int pad = 3;
        string shape = $"{path} threads={threads} m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate}";
        var random = new Random((m * 7919) + (n * 131) + k);
        int lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
        float[] a = RandomArray(random, (transA ? k : m) * lda);
        float[] b = RandomArray(random, (transB ? n : k) * ldb);
        float[] bias = RandomArray(random, n);
        float[] initial = RandomArray(random, m * ldc);
        for (int i = 0; i < m; i++)
        {
            for (int j = n; j < ldc; j++)
            {
                initial[(i * ldc) + j] = -777f; // padding between rows: the epilogue must not touch it
            }
        }

        // Two threads split every product here, however small (threshold 1 FLOP per thread); the split must not
        // change a single bit of the product.
        double splitBelow = 1;
        float[] expected = (float[])initial.Clone();
        Gemm.Multiply<float>(a, lda, transA, b, ldb, transB, expected, ldc, m, n, k, accumulate, threads, path, null, splitBelow);
        float[] serial = (float[])initial.Clone();
        Gemm.Multiply<float>(a, lda, transA, b, ldb, transB, serial, ldc, m, n, k, accumulate, 1, path);
        Assert.True(serial.AsSpan().SequenceEqual(expected), $"split product differs from the serial one: {shape}");
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                expected[(i * ldc) + j] = MathF.Max(expected[(i * ldc) + j] + bias[j], 0f);
            }
        }

        float[] actual = (float[])initial.Clone();
        var epilogue = new BiasRelu(bias, m, n);
        Gemm.Multiply<float>(a, lda, transA, b, ldb, transB, actual, ldc, m, n, k, accumulate, threads, path, epilogue, splitBelow);

        Assert.True(expected.AsSpan().SequenceEqual(actual), $"epilogue result differs from product-then-sweep: {shape}");
        epilogue.AssertEachVisitedOnce(shape);
    }

    private static float[] RandomArray(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (random.NextSingle() * 2) - 1;
        }

        return values;
    }

    /// <summary>C[i, j] = max(C[i, j] + bias[j], 0), counting the visits of every element.</summary>
    private sealed class BiasRelu(float[] bias, int m, int n) : IGemmEpilogue<float>
    {
        private readonly int[] _visits = new int[m * n];

        public void Apply(Span<float> c, int ldc, int row0, int rows, int col0, int cols)
        {
            Assert.InRange(row0, 0, m - rows);
            Assert.InRange(col0, 0, n - cols);
            for (int i = row0; i < row0 + rows; i++)
            {
                Span<float> row = c.Slice((i * ldc) + col0, cols);
                for (int j = 0; j < cols; j++)
                {
                    row[j] = MathF.Max(row[j] + bias[col0 + j], 0f);
                    Interlocked.Increment(ref _visits[(i * n) + col0 + j]);
                }
            }
        }

        public void AssertEachVisitedOnce(string shape)
        {
            int wrong = Array.FindIndex(_visits, count => count != 1);
            Assert.True(wrong < 0, $"{shape}: element ({wrong / Math.Max(n, 1)}, {wrong % Math.Max(n, 1)}) visited {(wrong < 0 ? 1 : _visits[wrong])} times.");
        }
    }
}
