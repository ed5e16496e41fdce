using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// True when the AVX-512 path should use <see cref="Narrow{T}"/>: every column of C fits one Vector512, so a
    /// 32-wide micro-tile would compute mostly padding and packing A would cost as much as the arithmetic.
    /// </summary>
    private static bool IsNarrow<T>(int n)
        where T : unmanaged => n <= Vector512<T>.Count;

    /// <summary>Stored extent of a transposed A up to which <see cref="Narrow{T}"/> reads it in place: half the 2 MB L2.</summary>
    private const long NarrowInPlaceBytes = 1 << 20;

    /// <summary>
    /// True when a narrow product with a transposed A should read A in place (<see cref="Narrow{T}"/>) rather than run
    /// transposed (<see cref="NarrowTransposed{T}"/>): the stored A (k rows, stride lda) fits in the L2, so its strided
    /// reads hit cache. hᵀ·dZ of an MLP (128×64·64×10) ran at 56 GFLOP/s transposed and 86 in place, one thread.
    /// </summary>
    /// <remarks>
    /// Depends on k and lda only, never on m, so every part of a product split over rows takes the same path and the
    /// result does not depend on the thread count (the two paths add a k block to C in different orders).
    /// </remarks>
    private static bool NarrowInPlace<T>(int k, nint lda)
        where T : unmanaged => (long)k * lda * sizeof(T) <= NarrowInPlaceBytes;

    /// <summary>
    /// C = op(A)·op(B) (+ C) for n ≤ Vector512&lt;T&gt;.Count with AVX-512: op(B) is packed into one zero-padded panel
    /// per k block and each row of C is one Vector512 accumulator, fed by broadcasts read straight from A (either
    /// orientation), so A is never packed; rows of C are read and written with masked loads and stores.
    /// </summary>
    /// <remarks>
    /// Tiles of 16 rows keep 16 FMA chains in flight (twice the 4-cycle latency × 2 ports) and, for a transposed A,
    /// use each 64-byte line of A whole. The k blocks and the order of the FMAs within one (p ascending from a zero
    /// accumulator, the block's sum then added to C) are those of <see cref="Blocked512{T}"/>, so the result is
    /// bit-identical to the packed path and does not depend on how the product is split over threads.
    /// </remarks>
    private static void Narrow<T>(T* a, nint lda, bool transA, T* b, nint ldb, bool transB, T* c, nint ldc,
        int m, int n, int k, bool accumulate, in EpilogueTarget<T> epilogue)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count;
        int kcMax = Balanced(k, KC);
        T* packedB = PackBuffers<T>.B(kcMax * width);
        var columns = new NarrowColumns<T>(n);

        // op(A)[i, p] sits at rowStep·i + pStep·p: rows are lda apart and p contiguous, or the reverse when transposed.
        nint rowStep = transA ? 1 : lda;
        nint pStep = transA ? lda : 1;
        bool byRows = NarrowByRows<T>(transA);
        for (int p0 = 0; p0 < k; p0 += kcMax)
        {
            int kc = Math.Min(kcMax, k - p0);
            bool add = accumulate || p0 > 0;
            bool final = p0 + kc == k;
            PackB(b, ldb, transB, p0, 0, kc, n, packedB, width);
            T* block = a + (p0 * pStep);
            int i = 0;
            for (; i + 16 <= m; i += 16)
            {
                if (byRows)
                {
                    ByRowsTile16(kc, (float*)(block + i), lda, (float*)packedB, (float*)(c + (i * ldc)), ldc, n, add);
                }
                else
                {
                    NarrowTile16(kc, block + (i * rowStep), rowStep, pStep, packedB, c + (i * ldc), ldc, columns, add);
                }

                if (final)
                {
                    epilogue.Apply(i, 16, 0, n);
                }
            }

            for (int first = i; i < m; i++)
            {
                NarrowRow(kc, block + (i * rowStep), pStep, packedB, c + (i * ldc), columns, add);
                if (final && i == m - 1)
                {
                    epilogue.Apply(first, m - first, 0, n);
                }
            }
        }
    }

    /// <summary>
    /// C = op(A)·op(B) (+ C) for a narrow n and a transposed A, as Cᵀ = op(B)ᵀ·op(A)ᵀ: the stored A becomes an
    /// untransposed right operand that the packed path streams row by row (n becomes the wide dimension), and the
    /// n×m result, formed in a per-thread buffer, is transposed into C.
    /// </summary>
    /// <remarks>
    /// Reading a transposed A directly takes one cache line per p with a stride of a whole stored row; for
    /// xᵀ·dH over a 60,000×784 batch that ran at 2.5–3 GB/s against the machine's ~7 GB/s for a sequential read.
    /// Each element is summed in the packed path's order (KC blocks, p ascending), whatever the thread split.
    /// </remarks>
    private static void NarrowTransposed<T>(T* a, nint lda, T* b, nint ldb, bool transB, T* c, nint ldc,
        int m, int n, int k, bool accumulate, GemmPath path)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T* transposed = PackBuffers<T>.C(n * m);
        if (path == GemmPath.Avx2)
        {
            Blocked256(b, ldb, !transB, a, lda, false, transposed, m, n, m, k, false, default, PacksA(m));
        }
        else
        {
            Blocked512(b, ldb, !transB, a, lda, false, transposed, m, n, m, k, false, default, PacksA(m));
        }

        for (int i = 0; i < m; i++)
        {
            T* row = c + (i * ldc);
            T* column = transposed + i;
            for (int j = 0; j < n; j++)
            {
                row[j] = accumulate ? row[j] + column[j * m] : column[j * m];
            }
        }
    }

    /// <summary>C[r, :n] (=, or += when <paramref name="add"/>) Σₚ op(A)[r, p]·panel[p, :] for 16 rows.</summary>
    private static void NarrowTile16<T>(int kc, T* a, nint rowStep, nint pStep, T* panel, T* c, nint ldc,
        NarrowColumns<T> columns, bool add)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count;

        // Two base pointers eight rows apart share seven offsets, so the loop fits the general-purpose registers.
        T* a8 = a + (8 * rowStep);
        nint r1 = rowStep, r2 = 2 * rowStep, r3 = 3 * rowStep, r4 = 4 * rowStep;
        nint r5 = 5 * rowStep, r6 = 6 * rowStep, r7 = 7 * rowStep;
        nint prefetch = 8 * pStep;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<T> c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<T> c8 = default, c9 = default, ca = default, cb = default;
        Vector512<T> cc = default, cd = default, ce = default, cf = default;
        for (int p = 0; p < kc; p++, a += pStep, a8 += pStep, panel += width)
        {
            // A transposed is read one line per p, a stride the hardware prefetchers follow too late (measured:
            // 23 → 46–60 GFLOP/s for 784×10×600 in cache); fetch the line a few p ahead. Harmless for a contiguous A.
            Sse.Prefetch0(a + prefetch);
            Vector512<T> row = Vector512.Load(panel);
            c0 = Fma512(Vector512.Create(a[0]), row, c0);
            c1 = Fma512(Vector512.Create(a[r1]), row, c1);
            c2 = Fma512(Vector512.Create(a[r2]), row, c2);
            c3 = Fma512(Vector512.Create(a[r3]), row, c3);
            c4 = Fma512(Vector512.Create(a[r4]), row, c4);
            c5 = Fma512(Vector512.Create(a[r5]), row, c5);
            c6 = Fma512(Vector512.Create(a[r6]), row, c6);
            c7 = Fma512(Vector512.Create(a[r7]), row, c7);
            c8 = Fma512(Vector512.Create(a8[0]), row, c8);
            c9 = Fma512(Vector512.Create(a8[r1]), row, c9);
            ca = Fma512(Vector512.Create(a8[r2]), row, ca);
            cb = Fma512(Vector512.Create(a8[r3]), row, cb);
            cc = Fma512(Vector512.Create(a8[r4]), row, cc);
            cd = Fma512(Vector512.Create(a8[r5]), row, cd);
            ce = Fma512(Vector512.Create(a8[r6]), row, ce);
            cf = Fma512(Vector512.Create(a8[r7]), row, cf);
        }

        columns.Store(c, c0, add);
        columns.Store(c + ldc, c1, add);
        columns.Store(c + (2 * ldc), c2, add);
        columns.Store(c + (3 * ldc), c3, add);
        columns.Store(c + (4 * ldc), c4, add);
        columns.Store(c + (5 * ldc), c5, add);
        columns.Store(c + (6 * ldc), c6, add);
        columns.Store(c + (7 * ldc), c7, add);
        columns.Store(c + (8 * ldc), c8, add);
        columns.Store(c + (9 * ldc), c9, add);
        columns.Store(c + (10 * ldc), ca, add);
        columns.Store(c + (11 * ldc), cb, add);
        columns.Store(c + (12 * ldc), cc, add);
        columns.Store(c + (13 * ldc), cd, add);
        columns.Store(c + (14 * ldc), ce, add);
        columns.Store(c + (15 * ldc), cf, add);
    }

    /// <summary>The one-row form of <see cref="NarrowTile16{T}"/>, for the last m mod 16 rows.</summary>
    private static void NarrowRow<T>(int kc, T* a, nint pStep, T* panel, T* c, NarrowColumns<T> columns, bool add)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count;
        Vector512<T> sum = default;
        for (int p = 0; p < kc; p++, a += pStep, panel += width)
        {
            sum = Fma512(Vector512.Create(a[0]), Vector512.Load(panel), sum);
        }

        columns.Store(c, sum, add);
    }

    /// <summary>Writes the first n lanes of an accumulator to a row of C, masked when n is short of a full vector.</summary>
    private readonly struct NarrowColumns<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Vector512<T> _mask;
        private readonly bool _full;

        public NarrowColumns(int n)
        {
            _full = n == Vector512<T>.Count;
            _mask = Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(n)));
        }

        /// <summary>row[:n] = sum, or row[:n] += sum; lanes past n are neither read nor written (masked lanes cannot fault).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(T* row, Vector512<T> sum, bool add)
        {
            if (_full)
            {
                if (add)
                {
                    sum += Vector512.Load(row);
                }

                sum.Store(row);
            }
            else if (typeof(T) == typeof(float))
            {
                Vector512<float> mask = _mask.AsSingle();
                Vector512<float> value = add
                    ? sum.AsSingle() + Avx512F.MaskLoad((float*)row, mask, Vector512<float>.Zero)
                    : sum.AsSingle();
                Avx512F.MaskStore((float*)row, mask, value);
            }
            else if (typeof(T) == typeof(double))
            {
                Vector512<double> mask = _mask.AsDouble();
                Vector512<double> value = add
                    ? sum.AsDouble() + Avx512F.MaskLoad((double*)row, mask, Vector512<double>.Zero)
                    : sum.AsDouble();
                Avx512F.MaskStore((double*)row, mask, value);
            }
            else
            {
                throw new NotSupportedException($"The AVX-512 GEMM path supports float and double, not {typeof(T).Name}.");
            }
        }
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
