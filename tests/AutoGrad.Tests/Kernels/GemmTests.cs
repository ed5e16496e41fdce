using System.Numerics;
using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

/// <summary>
/// Checks <see cref="Gemm"/> against a float64 triple loop, element by element, with a bound on rounding error
/// that grows with k: |C − reference| ≤ 2(k + 1)·u·(Σₚ|a||b| + |C₀|), u the unit roundoff of the element type.
/// A wrong index or a missed edge gives errors of order one and fails by orders of magnitude.
/// </summary>
public class GemmTests
{
    private static readonly int[] FixedSizes = [1, 7, 33, 64];

    /// <summary>
    /// Each of m, n, k swept over 1..70 with the other two drawn in turn from <see cref="FixedSizes"/>, every
    /// vectorized path this machine has (the scalar one on a machine with none), float32 and float64; the transpose pair, accumulate and extra stride cycle
    /// with the size so every combination meets many edge shapes.
    /// </summary>
    public static TheoryData<string, string, int, int, int, bool, bool, bool, int> SizeSweep()
    {
        var data = new TheoryData<string, string, int, int, int, bool, bool, bool, int>();
        foreach (GemmPath path in VectorPaths().DefaultIfEmpty(GemmPath.Scalar))
        {
            foreach (string dtype in new[] { "f32", "f64" })
            {
                for (int axis = 0; axis < 3; axis++)
                {
                    for (int size = 1; size <= 70; size++)
                    {
                        int first = FixedSizes[(size + axis) % 4];
                        int second = FixedSizes[(size + axis + 1) % 4];
                        (int m, int n, int k) = axis switch
                        {
                            0 => (size, first, second),
                            1 => (first, size, second),
                            _ => (first, second, size),
                        };
                        int combination = size % 4;
                        data.Add(dtype, path.ToString(), m, n, k, (combination & 1) != 0, (combination & 2) != 0,
                            size % 8 >= 4, size % 3);
                    }
                }
            }
        }

        return data;
    }

    /// <summary>Seeded random shapes from 0 to 100 (zeros included) on every path, including the scalar one.</summary>
    public static TheoryData<string, string, int, int, int, bool, bool, bool, int> RandomShapes()
    {
        var data = new TheoryData<string, string, int, int, int, bool, bool, bool, int>();
        var random = new Random(20261123);
        GemmPath[] paths = [GemmPath.Auto, .. VectorPaths(), GemmPath.Scalar];
        for (int i = 0; i < 120; i++)
        {
            int size() => random.Next(8) == 0 ? 0 : random.Next(1, 101);
            data.Add(i % 2 == 0 ? "f32" : "f64", paths[i % paths.Length].ToString(), size(), size(), size(),
                random.Next(2) == 1, random.Next(2) == 1, random.Next(2) == 1, random.Next(4));
        }

        return data;
    }

    /// <summary>All four transpose pairs on a product large enough for several K and N blocks and two threads.</summary>
    public static TheoryData<bool, bool> TransposePairs() => new() { { false, false }, { true, false }, { false, true }, { true, true } };

    [Theory]
    [MemberData(nameof(SizeSweep))]
    public void Multiply_SweptSize_MatchesFloat64Reference(string dtype, string path, int m, int n, int k,
        bool transA, bool transB, bool accumulate, int pad) =>
        CheckAgainstReference(dtype, path, m, n, k, transA, transB, accumulate, pad, seed: (m * 10007) + (n * 101) + k);

    /// <summary>
    /// Every narrow width n = 1..20 (the AVX-512 narrow path takes n ≤ 16 floats or 8 doubles, the rest exercise the
    /// hand-over to packed tiles), float32 and float64, on every vectorized path this machine has.
    /// </summary>
    public static TheoryData<string, string, int> NarrowWidths()
    {
        var data = new TheoryData<string, string, int>();
        foreach (GemmPath path in VectorPaths().DefaultIfEmpty(GemmPath.Scalar))
        {
            foreach (string dtype in new[] { "f32", "f64" })
            {
                for (int n = 1; n <= 20; n++)
                {
                    data.Add(dtype, path.ToString(), n);
                }
            }
        }

        return data;
    }

    /// <summary>
    /// For one narrow n: k over 1..70 and past one k block (KC), m over full 8-row tiles, a remainder and single rows,
    /// every transpose pair, accumulate and stride padding alternating.
    /// </summary>
    [Theory]
    [MemberData(nameof(NarrowWidths))]
    public void Multiply_NarrowOutput_MatchesFloat64Reference(string dtype, string path, int n)
    {
        int[] depths = [.. Enumerable.Range(1, 70), Gemm.KC + 1, (2 * Gemm.KC) + 13];
        int[] rows = [1, 5, 8, 19];
        foreach (int k in depths)
        {
            foreach (int m in rows)
            {
                for (int transpose = 0; transpose < 4; transpose++)
                {
                    CheckAgainstReference(dtype, path, m, n, k, (transpose & 1) != 0, (transpose & 2) != 0,
                        accumulate: (k + m) % 2 == 1, pad: k % 3, seed: (m * 7919) + (n * 131) + k);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(RandomShapes))]
    public void Multiply_RandomShape_MatchesFloat64Reference(string dtype, string path, int m, int n, int k,
        bool transA, bool transB, bool accumulate, int pad) =>
        CheckAgainstReference(dtype, path, m, n, k, transA, transB, accumulate, pad, seed: (m * 31) + (n * 17) + k);

    [Theory]
    [MemberData(nameof(TransposePairs))]
    public void Multiply_LargeProductOnOneAndTwoThreads_GivesIdenticalResults(bool transA, bool transB)
    {
        const int m = 300, n = 257, k = 513;
        var operands = Operands<float>.Create(m, n, k, transA, transB, accumulate: true, pad: 3, seed: 7);
        float[] oneThread = (float[])operands.C.Clone();
        float[] twoThreads = (float[])operands.C.Clone();

        Gemm.Multiply<float>(operands.A, operands.Lda, transA, operands.B, operands.Ldb, transB, oneThread, operands.Ldc,
            m, n, k, accumulate: true, maxThreads: 1, GemmPath.Auto);
        Gemm.Multiply<float>(operands.A, operands.Lda, transA, operands.B, operands.Ldb, transB, twoThreads, operands.Ldc,
            m, n, k, accumulate: true, maxThreads: 2, GemmPath.Auto);

        Assert.Equal(oneThread, twoThreads);
        operands.AssertMatchesReference(oneThread, $"300×257×513 transA={transA} transB={transB}");
    }

    /// <summary>
    /// <see cref="GemmPath.Auto"/> takes whichever vector path's micro-kernel measured faster when the process started, so
    /// the two must give the same bits on every shape: random shapes up to 200 × 300 × 900 (packed and in-place A, the
    /// narrow paths, depth halves, partial tiles), both transposes, accumulate on and off, one and two threads.
    /// </summary>
    [Fact]
    public void Multiply_Avx512AndAvx2Paths_AreBitIdentical()
    {
        if (!Gemm.IsSupported<float>(GemmPath.Avx512) || !Gemm.IsSupported<float>(GemmPath.Avx2))
        {
            Assert.Equal(Gemm.IsSupported<float>(GemmPath.Avx512) ? GemmPath.Avx512 : Gemm.IsSupported<float>(GemmPath.Avx2) ? GemmPath.Avx2 : GemmPath.Scalar,
                Gemm.BestPath<float>());
            return;
        }

        var random = new Random(20261130);
        for (int trial = 0; trial < 60; trial++)
        {
            int m = random.Next(1, 201), n = trial % 5 == 0 ? random.Next(1, 17) : random.Next(1, 301), k = random.Next(1, 901);
            bool transA = random.Next(2) == 1, transB = random.Next(2) == 1, accumulate = random.Next(2) == 1;
            int threads = 1 + (trial % 2);
            var operands = Operands<float>.Create(m, n, k, transA, transB, accumulate, pad: trial % 3, seed: trial);
            float[] wide = (float[])operands.C.Clone(), narrow = (float[])operands.C.Clone();

            Gemm.Multiply<float>(operands.A, operands.Lda, transA, operands.B, operands.Ldb, transB, wide, operands.Ldc,
                m, n, k, accumulate, threads, GemmPath.Avx512, epilogue: null, minFlopsPerThread: 1);
            Gemm.Multiply<float>(operands.A, operands.Lda, transA, operands.B, operands.Ldb, transB, narrow, operands.Ldc,
                m, n, k, accumulate, threads, GemmPath.Avx2, epilogue: null, minFlopsPerThread: 1);

            Assert.True(wide.AsSpan().SequenceEqual(narrow), $"m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate}");
        }
    }

    /// <summary>The rule the measurement feeds: 512-bit unless 256-bit is more than 5 % faster.</summary>
    [Theory]
    [InlineData(170.0, 88.0, "Avx512")]
    [InlineData(100.0, 104.0, "Avx512")]
    [InlineData(100.0, 106.0, "Avx2")]
    public void ChooseVectorPath_256BitMustWinByTheMargin(double wide, double narrow, string expected) =>
        Assert.Equal(Enum.Parse<GemmPath>(expected), Gemm.ChooseVectorPath(wide * 1e9, narrow * 1e9));

    /// <summary>Where both vector paths run, Auto is one of them, chosen once for every element type from a measurement of
    /// both micro-kernels (which rarely ties, so the faster one is not asserted here: the host's load moves it).</summary>
    [Fact]
    public void BestPath_BothVectorPaths_OneMeasuredChoiceForEveryElementType()
    {
        if (!Gemm.IsSupported<float>(GemmPath.Avx512) || !Gemm.IsSupported<float>(GemmPath.Avx2))
        {
            return;
        }

        (double wide, double narrow) = Gemm.MeasureVectorPaths();
        Assert.True(wide > 0 && narrow > 0);
        GemmPath chosen = Gemm.BestPath<float>();
        Assert.Contains(chosen, new[] { GemmPath.Avx512, GemmPath.Avx2 });
        Assert.Equal(chosen, Gemm.BestPath<double>());
        Assert.Equal(chosen, Gemm.PreferredVectorPath);
    }

    /// <summary>
    /// A small C from a long depth is summed as two depth halves (P + Q, the halves on two threads when two are allowed):
    /// it must match the reference, give the same bits on one and two threads in every transpose and on both vector paths,
    /// and equal the sum of the two halves computed as products of their own (so the order is P + Q, whatever the
    /// threads). Shapes: the MNIST first layer (four k blocks), an odd block count (k = 600: three blocks, halves 400 +
    /// 200), a narrow n, padded strides and m = 1.
    /// </summary>
    [Theory]
    [InlineData(64, 128, 784, false, false, 0)]
    [InlineData(64, 128, 784, true, true, 3)]
    [InlineData(30, 70, 600, true, false, 2)]
    [InlineData(33, 10, 1000, false, true, 1)]
    [InlineData(1, 128, 513, false, false, 0)]
    public void Multiply_SmallOutputLongDepth_SumsTwoHalvesOnAnyThreadCount(int m, int n, int k, bool transA, bool transB, int pad)
    {
        Assert.True((long)m * n <= Gemm.DepthSplitMaxOutput && k >= Gemm.DepthSplitMinDepth);
        foreach (GemmPath path in VectorPaths())
        {
            var operands = Operands<float>.Create(m, n, k, transA, transB, accumulate: false, pad, seed: m + n + k);
            float[] oneThread = (float[])operands.C.Clone();
            float[] twoThreads = (float[])operands.C.Clone();

            Gemm.Multiply<float>(operands.A, operands.Lda, transA, operands.B, operands.Ldb, transB, oneThread, operands.Ldc,
                m, n, k, accumulate: false, maxThreads: 1, path);
            Gemm.Multiply<float>(operands.A, operands.Lda, transA, operands.B, operands.Ldb, transB, twoThreads, operands.Ldc,
                m, n, k, accumulate: false, maxThreads: 2, path, epilogue: null, minFlopsPerThread: 1);

            Assert.Equal(oneThread, twoThreads);
            operands.AssertMatchesReference(oneThread, $"{path} depth halves m={m} n={n} k={k} transA={transA} transB={transB}");

            // The halves as products of their own depth (below the split's minimum, so summed as one), added as P + Q.
            int kc = (k + ((k + Gemm.KC - 1) / Gemm.KC) - 1) / ((k + Gemm.KC - 1) / Gemm.KC);
            int k0 = ((((k + kc - 1) / kc) + 1) / 2) * kc;
            float[] first = Half(operands, path, 0, k0), second = Half(operands, path, k0, k - k0);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    Assert.Equal(first[(i * n) + j] + second[(i * n) + j], oneThread[(i * operands.Ldc) + j]);
                }
            }
        }

        static float[] Half(Operands<float> o, GemmPath path, int p0, int depth)
        {
            // op(A)[:, p0:p0+depth] and op(B)[p0:p0+depth, :] as plain row-major copies, one product each.
            float[] a = new float[o.M * depth], b = new float[depth * o.N], c = new float[o.M * o.N];
            for (int i = 0; i < o.M; i++)
            {
                for (int p = 0; p < depth; p++)
                {
                    a[(i * depth) + p] = o.TransA ? o.A[((p0 + p) * o.Lda) + i] : o.A[(i * o.Lda) + p0 + p];
                }
            }

            for (int p = 0; p < depth; p++)
            {
                for (int j = 0; j < o.N; j++)
                {
                    b[(p * o.N) + j] = o.TransB ? o.B[(j * o.Ldb) + p0 + p] : o.B[((p0 + p) * o.Ldb) + j];
                }
            }

            Assert.True(depth < Gemm.DepthSplitMinDepth);
            Gemm.Multiply<float>(a, depth, false, b, o.N, false, c, o.N, o.M, o.N, depth, accumulate: false, maxThreads: 1, path);
            return c;
        }
    }

    /// <summary>
    /// A narrow product whose transposed A is too large to read in place (stored extent past 1 MB) runs transposed on the
    /// packed path; small ones read A in place. Both must match the reference, and with the split forced the 2-thread
    /// result must equal the 1-thread one bit for bit (the path is chosen from k and lda, never from a part's m).
    /// </summary>
    [Theory]
    [InlineData(40, 10, 7000, false)]
    [InlineData(40, 10, 7000, true)]
    [InlineData(64, 10, 128, true)]
    [InlineData(130, 16, 900, false)]
    public void Multiply_NarrowTransposedA_OneAndTwoThreadsAgree(int m, int n, int k, bool accumulate)
    {
        var operands = Operands<float>.Create(m, n, k, transA: true, transB: false, accumulate, pad: 3, seed: m + k);
        float[] oneThread = (float[])operands.C.Clone();
        float[] twoThreads = (float[])operands.C.Clone();

        Gemm.Multiply<float>(operands.A, operands.Lda, true, operands.B, operands.Ldb, false, oneThread, operands.Ldc,
            m, n, k, accumulate, maxThreads: 1, GemmPath.Auto);
        Gemm.Multiply<float>(operands.A, operands.Lda, true, operands.B, operands.Ldb, false, twoThreads, operands.Ldc,
            m, n, k, accumulate, maxThreads: 2, GemmPath.Auto, epilogue: null, minFlopsPerThread: 1);

        Assert.Equal(oneThread, twoThreads);
        operands.AssertMatchesReference(oneThread, $"narrow transA m={m} n={n} k={k} accumulate={accumulate}");
    }

    /// <summary>
    /// A narrow float product with a transposed A read in place runs its tiles vectorized over C's rows (<c>ByRowsTile16</c>
    /// with AVX-512, <c>ByRowsTile8</c> for n ≤ 12 with AVX2 only): for every n up to 16, short and multi-block depths,
    /// padded strides and accumulation, the result must be the bits of the tiles vectorized over C's columns, and match
    /// the reference.
    /// </summary>
    [Theory]
    [InlineData(16, 1, false)]
    [InlineData(37, 64, true)]
    [InlineData(70, 300, false)]
    [InlineData(128, 600, true)]
    public void Multiply_NarrowTransposedAByRows_BitIdenticalToTheColumnTiles(int m, int k, bool accumulate)
    {
        // The path Auto takes where AVX-512 is missing: AVX2's row tile, or the scalar loops (where the switch does nothing).
        GemmPath path = Gemm.IsSupported<float>(GemmPath.Avx512) ? GemmPath.Avx512 : Gemm.BestPath<float>();
        for (int n = 1; n <= 16; n++)
        {
            var operands = Operands<float>.Create(m, n, k, transA: true, transB: n % 3 == 0, accumulate, pad: n % 4, seed: (m * 17) + n);
            float[] byRows = (float[])operands.C.Clone();
            float[] byColumns = (float[])operands.C.Clone();
            try
            {
                Gemm.NarrowByRowsEnabled = false;
                Gemm.Multiply<float>(operands.A, operands.Lda, true, operands.B, operands.Ldb, n % 3 == 0, byColumns, operands.Ldc,
                    m, n, k, accumulate, maxThreads: 1, path);
            }
            finally
            {
                Gemm.NarrowByRowsEnabled = true;
            }

            Gemm.Multiply<float>(operands.A, operands.Lda, true, operands.B, operands.Ldb, n % 3 == 0, byRows, operands.Ldc,
                m, n, k, accumulate, maxThreads: 1, path);
            Assert.Equal(byColumns, byRows);
            operands.AssertMatchesReference(byRows, $"narrow transA by rows m={m} n={n} k={k} accumulate={accumulate}");
        }
    }

    /// <summary>
    /// A tiny product (at most <see cref="Gemm.TinyMultiplyAdds"/> multiply-adds) skips packing, yet sums each element as
    /// the vector kernels do: its rows must equal, bit for bit, the same rows of a product large enough for the packed path
    /// (the same A rows, more of them below).
    /// </summary>
    [Theory]
    [InlineData(1, 3, 2, false, false, false)]
    [InlineData(4, 5, 6, true, false, true)]
    [InlineData(3, 16, 9, false, true, false)]
    [InlineData(2, 7, 30, true, true, true)]
    public void Multiply_TinyProduct_BitIdenticalToTheVectorKernels(int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        Assert.True((long)m * n * k <= Gemm.TinyMultiplyAdds);
        int bigM = m + 300;
        var big = Operands<float>.Create(bigM, n, k, transA, transB, accumulate, pad: 2, seed: m * 100 + n);
        float[] bigC = (float[])big.C.Clone();
        Gemm.Multiply<float>(big.A, big.Lda, transA, big.B, big.Ldb, transB, bigC, big.Ldc, bigM, n, k, accumulate, maxThreads: 1, GemmPath.Auto);

        // The first m rows of A (its first m columns when transposed, read with the big product's stride) and of C.
        float[] tinyC = big.C[..(m * big.Ldc)];
        Gemm.Multiply<float>(big.A, big.Lda, transA, big.B, big.Ldb, transB, tinyC, big.Ldc, m, n, k, accumulate, maxThreads: 1, GemmPath.Auto);
        for (int i = 0; i < m; i++)
        {
            Assert.Equal(bigC.AsSpan(i * big.Ldc, n).ToArray(), tinyC.AsSpan(i * big.Ldc, n).ToArray());
        }

        big.AssertMatchesReference(bigC, $"tiny rows m={m} n={n} k={k}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Multiply_ZeroDepth_ClearsOrKeepsC(bool accumulate)
    {
        float[] c = [1, 2, 3, 4, 5, 6, 7];

        Gemm.Multiply<float>([], 0, false, [], 3, false, c, ldc: 4, m: 2, n: 3, k: 0, accumulate);

        // Row stride 4: element 3 is padding between the rows and must never be written.
        Assert.Equal(accumulate ? [1f, 2, 3, 4, 5, 6, 7] : [0f, 0, 0, 4, 0, 0, 0], c);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(3, 0)]
    public void Multiply_EmptyOutput_LeavesCUntouched(int m, int n)
    {
        double[] a = [1, 2, 3, 4, 5, 6];
        double[] b = [1, 2, 3, 4, 5, 6];
        double[] c = [9, 9, 9];

        Gemm.Multiply<double>(a, 2, false, b, 3, false, c, ldc: 3, m, n, k: 2, accumulate: false);

        Assert.Equal([9.0, 9, 9], c);
    }

    [Fact]
    public void Multiply_HalfElements_UsesScalarLoops()
    {
        Half[] a = [(Half)1, (Half)2, (Half)3, (Half)4];
        Half[] b = [(Half)5, (Half)6, (Half)7, (Half)8];
        var c = new Half[4];

        Gemm.Multiply<Half>(a, 2, false, b, 2, false, c, 2, 2, 2, 2, accumulate: false);

        Assert.Equal([(Half)19, (Half)22, (Half)43, (Half)50], c);
    }

    [Fact]
    public void Multiply_SpanTooShortForStride_ThrowsArgumentException()
    {
        var a = new float[10];
        var b = new float[12];
        var c = new float[9];

        // A is 3×4 with lda 4: it needs 2·4 + 4 = 12 elements.
        var error = Assert.Throws<ArgumentException>(
            () => Gemm.Multiply<float>(a, 4, false, b, 3, false, c, 3, 3, 3, 4, accumulate: false));
        Assert.Equal("a", error.ParamName);
    }

    [Fact]
    public void Multiply_StrideBelowRowLength_ThrowsArgumentOutOfRangeException()
    {
        var a = new float[12];
        var b = new float[12];
        var c = new float[9];

        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => Gemm.Multiply<float>(a, 4, false, b, 2, false, c, 3, 3, 3, 4, accumulate: false));
        Assert.Equal("ldb", error.ParamName);
    }

    private static IEnumerable<GemmPath> VectorPaths() =>
        new[] { GemmPath.Avx512, GemmPath.Avx2 }.Where(p => Gemm.IsSupported<float>(p) && Gemm.IsSupported<double>(p));

    private static void CheckAgainstReference(string dtype, string pathName, int m, int n, int k,
        bool transA, bool transB, bool accumulate, int pad, int seed)
    {
        GemmPath path = Enum.Parse<GemmPath>(pathName);
        if (dtype == "f32")
        {
            Check<float>(path, m, n, k, transA, transB, accumulate, pad, seed);
        }
        else
        {
            Check<double>(path, m, n, k, transA, transB, accumulate, pad, seed);
        }
    }

    private static void Check<T>(GemmPath path, int m, int n, int k, bool transA, bool transB, bool accumulate, int pad, int seed)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var operands = Operands<T>.Create(m, n, k, transA, transB, accumulate, pad, seed);
        T[] c = (T[])operands.C.Clone();

        Gemm.Multiply<T>(operands.A, operands.Lda, transA, operands.B, operands.Ldb, transB, c, operands.Ldc,
            m, n, k, accumulate, maxThreads: 2, path);

        operands.AssertMatchesReference(c, $"{typeof(T).Name} {path} m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate} pad={pad}");
    }

    /// <summary>
    /// A wide product split over two threads by columns reads one copy of A packed up front for all its column slices
    /// (each used to pack all of A itself): the result must have the bits of the one-thread product and match the
    /// reference. Shapes: two row blocks (m &gt; MC), three k blocks with a short last one and a transposed A with padded
    /// strides, and m short of a whole 12-row panel.
    /// </summary>
    [Theory]
    [InlineData(1550, 1560, 40, false, false, false, 1)]
    [InlineData(301, 700, 530, true, true, true, 2)]
    [InlineData(97, 300, 300, true, false, false, 0)]
    public void Multiply_ColumnSlicesSharingOnePackedA_MatchOneThread(int m, int n, int k, bool transA, bool transB, bool accumulate, int pad)
    {
        Assert.True(m > Gemm.MC || m % 12 != 0 || k > Gemm.KC);
        foreach (GemmPath path in VectorPaths())
        {
            var operands = Operands<float>.Create(m, n, k, transA, transB, accumulate, pad, seed: m + n + k);
            float[] oneThread = (float[])operands.C.Clone();
            float[] twoThreads = (float[])operands.C.Clone();

            Gemm.Multiply<float>(operands.A, operands.Lda, transA, operands.B, operands.Ldb, transB, oneThread, operands.Ldc,
                m, n, k, accumulate, maxThreads: 1, path);
            Gemm.Multiply<float>(operands.A, operands.Lda, transA, operands.B, operands.Ldb, transB, twoThreads, operands.Ldc,
                m, n, k, accumulate, maxThreads: 2, path, epilogue: null, minFlopsPerThread: 1);

            Assert.Equal(oneThread, twoThreads);
            operands.AssertMatchesReference(twoThreads, $"{path} shared packed A m={m} n={n} k={k} transA={transA} transB={transB}");
        }
    }

    /// <summary>Random operands stored as the transpose flags say, with <c>pad</c> extra elements per row.</summary>
    private sealed class Operands<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private static readonly T Sentinel = T.CreateTruncating(-777.0);

        private Operands(int m, int n, int k, bool transA, bool transB, bool accumulate, int pad, Random random)
        {
            (M, N, K, TransA, TransB, Accumulate) = (m, n, k, transA, transB, accumulate);
            Lda = (transA ? m : k) + pad;
            Ldb = (transB ? k : n) + pad;
            Ldc = n + pad;
            A = transA ? RandomMatrix(k, m, Lda, random) : RandomMatrix(m, k, Lda, random);
            B = transB ? RandomMatrix(n, k, Ldb, random) : RandomMatrix(k, n, Ldb, random);

            // Without accumulation the old C must not be read: NaN would poison any sum that reads it.
            C = new T[Math.Max(0, (m * Ldc) - pad)];
            Array.Fill(C, Sentinel);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    C[(i * Ldc) + j] = accumulate ? T.CreateTruncating((random.NextDouble() * 2) - 1) : T.NaN;
                }
            }
        }

        public int M { get; }

        public int N { get; }

        public int K { get; }

        public bool TransA { get; }

        public bool TransB { get; }

        public bool Accumulate { get; }

        public int Lda { get; }

        public int Ldb { get; }

        public int Ldc { get; }

        public T[] A { get; }

        public T[] B { get; }

        public T[] C { get; }

        public static Operands<T> Create(int m, int n, int k, bool transA, bool transB, bool accumulate, int pad, int seed) =>
            new(m, n, k, transA, transB, accumulate, pad, new Random(seed));

        public void AssertMatchesReference(T[] actual, string description)
        {
            double unitRoundoff = typeof(T) == typeof(float) ? Math.ScaleB(1.0, -24)
                : typeof(T) == typeof(double) ? Math.ScaleB(1.0, -53)
                : Math.ScaleB(1.0, -11);
            for (int i = 0; i < M; i++)
            {
                for (int j = 0; j < N; j++)
                {
                    double sum = Accumulate ? double.CreateTruncating(C[(i * Ldc) + j]) : 0;
                    double magnitude = Math.Abs(sum);
                    for (int p = 0; p < K; p++)
                    {
                        double term = double.CreateTruncating(TransA ? A[(p * Lda) + i] : A[(i * Lda) + p])
                            * double.CreateTruncating(TransB ? B[(j * Ldb) + p] : B[(p * Ldb) + j]);
                        sum += term;
                        magnitude += Math.Abs(term);
                    }

                    double got = double.CreateTruncating(actual[(i * Ldc) + j]);
                    double tolerance = 2 * (K + 1) * unitRoundoff * magnitude;
                    if (!(Math.Abs(got - sum) <= tolerance))
                    {
                        Assert.Fail($"{description}: C[{i},{j}] = {got}, reference {sum}, tolerance {tolerance:E2}.");
                    }
                }

                // Padding between rows of C is never written.
                for (int j = N; j < Ldc && (i * Ldc) + j < actual.Length; j++)
                {
                    Assert.Equal(Sentinel, actual[(i * Ldc) + j]);
                }
            }
        }

        private static T[] RandomMatrix(int rows, int cols, int stride, Random random)
        {
            var values = new T[rows * stride];
            Array.Fill(values, T.NaN); // padding is never read: a NaN there would reach C
            for (int r = 0; r < rows; r++)
            {
                for (int col = 0; col < cols; col++)
                {
                    values[(r * stride) + col] = T.CreateTruncating((random.NextDouble() * 2) - 1);
                }
            }

            return values;
        }
    }
}
