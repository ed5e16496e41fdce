using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>Rows of C per narrow tile: 8 accumulators, and 9 loads (8 broadcasts of A, one row of B) per 8 FMAs.</summary>
    private const int NarrowRows = 8;

    /// <summary>
    /// True when the AVX-512 path should use <see cref="Narrow{T}"/>: every column of C fits one Vector512, so a
    /// 32-wide micro-tile would compute mostly padding and packing A would cost as much as the arithmetic.
    /// </summary>
    private static bool IsNarrow<T>(int n)
        where T : unmanaged => n <= Vector512<T>.Count;

    /// <summary>
    /// C = op(A)·op(B) (+ C) for n ≤ Vector512&lt;T&gt;.Count with AVX-512: op(B) is packed into one zero-padded panel
    /// per k block and each row of C is one Vector512 accumulator, fed by broadcasts read straight from A (either
    /// orientation), so A is never packed.
    /// </summary>
    /// <remarks>
    /// The k blocks and the order of the FMAs within one (p ascending from a zero accumulator, the block's sum then
    /// added to C) are those of <see cref="Blocked{T, TKernel}"/>, so the result is bit-identical to the packed path
    /// and does not depend on how the product is split over threads.
    /// </remarks>
    private static void Narrow<T>(T* a, nint lda, bool transA, T* b, nint ldb, bool transB, T* c, nint ldc,
        int m, int n, int k, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count;
        int kcMax = Balanced(k, KC);
        T* packedB = PackBuffers<T>.B(kcMax * width);
        T* tile = stackalloc T[NarrowRows * width];

        // op(A)[i, p] sits at rowStep·i + pStep·p: rows are lda apart and p contiguous, or the reverse when transposed.
        nint rowStep = transA ? 1 : lda;
        nint pStep = transA ? lda : 1;
        for (int p0 = 0; p0 < k; p0 += kcMax)
        {
            int kc = Math.Min(kcMax, k - p0);
            bool add = accumulate || p0 > 0;
            PackB(b, ldb, transB, p0, 0, kc, n, packedB, width);
            T* block = a + (p0 * pStep);
            int i = 0;
            for (; i + NarrowRows <= m; i += NarrowRows)
            {
                NarrowTile(kc, block + (i * rowStep), rowStep, pStep, packedB, tile);
                MergeEdge(tile, width, c + (i * ldc), ldc, NarrowRows, n, add);
            }

            for (; i < m; i++)
            {
                NarrowRow(kc, block + (i * rowStep), pStep, packedB, tile);
                MergeEdge(tile, width, c + (i * ldc), ldc, 1, n, add);
            }
        }
    }

    /// <summary>tile[r, :] = Σₚ op(A)[r, p]·panel[p, :] for 8 rows, rows written <c>Vector512&lt;T&gt;.Count</c> apart.</summary>
    private static void NarrowTile<T>(int kc, T* a, nint rowStep, nint pStep, T* panel, T* tile)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count;
        nint r1 = rowStep, r2 = 2 * rowStep, r3 = 3 * rowStep, r4 = 4 * rowStep;
        nint r5 = 5 * rowStep, r6 = 6 * rowStep, r7 = 7 * rowStep;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<T> c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++, a += pStep, panel += width)
        {
            Vector512<T> row = Vector512.Load(panel);
            c0 = Fma512(Vector512.Create(a[0]), row, c0);
            c1 = Fma512(Vector512.Create(a[r1]), row, c1);
            c2 = Fma512(Vector512.Create(a[r2]), row, c2);
            c3 = Fma512(Vector512.Create(a[r3]), row, c3);
            c4 = Fma512(Vector512.Create(a[r4]), row, c4);
            c5 = Fma512(Vector512.Create(a[r5]), row, c5);
            c6 = Fma512(Vector512.Create(a[r6]), row, c6);
            c7 = Fma512(Vector512.Create(a[r7]), row, c7);
        }

        c0.Store(tile);
        c1.Store(tile + width);
        c2.Store(tile + (2 * width));
        c3.Store(tile + (3 * width));
        c4.Store(tile + (4 * width));
        c5.Store(tile + (5 * width));
        c6.Store(tile + (6 * width));
        c7.Store(tile + (7 * width));
    }

    /// <summary>The one-row form of <see cref="NarrowTile{T}"/>, for the last m mod 8 rows.</summary>
    private static void NarrowRow<T>(int kc, T* a, nint pStep, T* panel, T* tile)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count;
        Vector512<T> sum = default;
        for (int p = 0; p < kc; p++, a += pStep, panel += width)
        {
            sum = Fma512(Vector512.Create(a[0]), Vector512.Load(panel), sum);
        }

        sum.Store(tile);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma512<T>(Vector512<T> x, Vector512<T> y, Vector512<T> addend)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return Avx512F.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), addend.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Avx512F.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), addend.AsDouble()).As<double, T>();
        }

        throw new NotSupportedException($"The AVX-512 GEMM path supports float and double, not {typeof(T).Name}.");
    }
}
