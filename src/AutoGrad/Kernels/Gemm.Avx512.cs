using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>Rows of C per AVX-512 tile.</summary>
    private const int Mr512 = 12;

    /// <summary>
    /// Up to this n, A is read in place rather than packed: packing costs about one strided copy per element, and with
    /// few column tiles to share it (n = 128: four) that was a large share of the arithmetic (64×784·784×128 ran at
    /// 58 GFLOP/s packed, 125 in place, warm caches, same machine and load).
    /// </summary>
    private const int DirectAMaxN = 256;

    /// <summary>
    /// Whether the packed path packs A for a product of <paramref name="wholeN"/> columns (see <see cref="DirectAMaxN"/>):
    /// n of the whole product, not of a thread's column slice. A 1024³ product split over two threads into slices of 256
    /// columns used to read its 4 MB A in place, eight column tiles over, from L3: medians 160 against 204 GFLOP/s
    /// packed (2026-11-30, one process alternating, 10 rounds, load 1.6); 512³ and 2048³ within the noise.
    /// </summary>
    private static bool PacksA(int wholeN) => wholeN > DirectAMaxN;

    /// <summary>The cache-blocked loop nest (<see cref="Blocked{T, TTiles}"/>) with AVX-512 tiles of up to 12 rows × 2
    /// Vector512 columns.</summary>
    private static void Blocked512<T>(T* a, nint lda, bool transA, T* b, nint ldb, bool transB, T* c, nint ldc,
        int m, int n, int k, bool accumulate, in EpilogueTarget<T> epilogue, bool packA, T* sharedA = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Blocked<T, Tiles512<T>>(a, lda, transA, b, ldb, transB, c, ldc, m, n, k, accumulate, epilogue, packA, sharedA);

    /// <summary>The AVX-512 tiles for <see cref="Blocked{T, TTiles}"/>.</summary>
    private readonly struct Tiles512<T> : IGemmTiles<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static int Mr => Mr512;

        public static int Nr => 2 * Vector512<T>.Count;

        public static void Run(int rows, int cols, int kc, T* a, nint rowStep, nint pStep, T* b, T* c, nint ldc, bool add,
            T* scratch) => Tile512(rows, cols, kc, a, rowStep, pStep, b, c, ldc, add, scratch);
    }

    /// <summary>
    /// One tile of <paramref name="rows"/> ≤ 12 rows and <paramref name="cols"/> ≤ 2·Vector512 columns; a tile short of
    /// full columns is computed into <paramref name="scratch"/> (12 × 2·Vector512) and merged under a mask.
    /// </summary>
    private static void Tile512<T>(int rows, int cols, int kc, T* a, nint rowStep, nint pStep, T* b, T* c, nint ldc,
        bool add, T* scratch)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int nr = 2 * Vector512<T>.Count;
        if (cols < nr)
        {
            Tile512(rows, nr, kc, a, rowStep, pStep, b, scratch, nr, add: false, scratch);
            var columns = new TileColumns<T>(cols);
            for (int i = 0; i < rows; i++)
            {
                columns.Store(c + (i * ldc), Vector512.Load(scratch + (i * nr)), Vector512.Load(scratch + (i * nr) + (nr / 2)), add);
            }

            return;
        }

        if (rows == Mr512)
        {
            Tile512<T, Count12>(kc, a, rowStep, pStep, b, c, ldc, add);
            return;
        }

        // 11 = 8 + 2 + 1 and so on: a few calls, each with all its accumulators in registers.
        while (rows > 0)
        {
            int step = rows >= 8 ? 8 : rows >= 4 ? 4 : rows >= 2 ? 2 : 1;
            switch (step)
            {
                case 8:
                    Tile512<T, Count8>(kc, a, rowStep, pStep, b, c, ldc, add);
                    break;
                case 4:
                    Tile512<T, Count4>(kc, a, rowStep, pStep, b, c, ldc, add);
                    break;
                case 2:
                    Tile512<T, Count2>(kc, a, rowStep, pStep, b, c, ldc, add);
                    break;
                default:
                    Tile512<T, Count1>(kc, a, rowStep, pStep, b, c, ldc, add);
                    break;
            }

            rows -= step;
            a += step * rowStep;
            c += step * ldc;
        }
    }

    /// <summary>
    /// C[r, :cols] (=, or += when <paramref name="add"/>) Σₚ op(A)[r, p]·B[p, :] for TRows.Value rows: two Vector512
    /// accumulators per row (24 zmm registers at 12 rows), one broadcast of A and two loads of the packed B per pair
    /// of FMAs. The row count is a type parameter so the JIT removes the unused rows' code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile512<T, TRows>(int kc, T* a, nint rowStep, nint pStep, T* b, T* c, nint ldc, bool add)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, IFixedCount
    {
        int v = Vector512<T>.Count;
        int rows = TRows.Value;

        // Two base pointers six rows apart share five offsets, so the loop fits the general-purpose registers.
        T* a6 = a + (6 * rowStep);
        nint r1 = rowStep, r2 = 2 * rowStep, r3 = 3 * rowStep, r4 = 4 * rowStep, r5 = 5 * rowStep;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<T> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<T> c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;

        // C's rows are far apart (a row of a 2048-wide C is 8 KB) and only needed after the loop: start their loads now,
        // so the stores at the end do not wait for them.
        for (int r = 0; r < rows; r++)
        {
            Sse.Prefetch0(c + (r * ldc));
            Sse.Prefetch0(c + (r * ldc) + v);
        }

        for (int p = 0; p < kc; p++, a += pStep, a6 += pStep, b += 2 * v)
        {
            Vector512<T> b0 = Vector512.Load(b);
            Vector512<T> b1 = Vector512.Load(b + v);
            Vector512<T> x = Vector512.Create(a[0]);
            c00 = Fma512(x, b0, c00);
            c01 = Fma512(x, b1, c01);
            if (rows > 1)
            {
                x = Vector512.Create(a[r1]);
                c10 = Fma512(x, b0, c10);
                c11 = Fma512(x, b1, c11);
            }

            if (rows > 2)
            {
                x = Vector512.Create(a[r2]);
                c20 = Fma512(x, b0, c20);
                c21 = Fma512(x, b1, c21);
                x = Vector512.Create(a[r3]);
                c30 = Fma512(x, b0, c30);
                c31 = Fma512(x, b1, c31);
            }

            if (rows > 4)
            {
                x = Vector512.Create(a[r4]);
                c40 = Fma512(x, b0, c40);
                c41 = Fma512(x, b1, c41);
                x = Vector512.Create(a[r5]);
                c50 = Fma512(x, b0, c50);
                c51 = Fma512(x, b1, c51);
                x = Vector512.Create(a6[0]);
                c60 = Fma512(x, b0, c60);
                c61 = Fma512(x, b1, c61);
                x = Vector512.Create(a6[r1]);
                c70 = Fma512(x, b0, c70);
                c71 = Fma512(x, b1, c71);
            }

            if (rows > 8)
            {
                x = Vector512.Create(a6[r2]);
                c80 = Fma512(x, b0, c80);
                c81 = Fma512(x, b1, c81);
                x = Vector512.Create(a6[r3]);
                c90 = Fma512(x, b0, c90);
                c91 = Fma512(x, b1, c91);
                x = Vector512.Create(a6[r4]);
                ca0 = Fma512(x, b0, ca0);
                ca1 = Fma512(x, b1, ca1);
                x = Vector512.Create(a6[r5]);
                cb0 = Fma512(x, b0, cb0);
                cb1 = Fma512(x, b1, cb1);
            }
        }

        Store512(c, c00, c01, add);
        if (rows > 1)
        {
            Store512(c + ldc, c10, c11, add);
        }

        if (rows > 2)
        {
            Store512(c + (2 * ldc), c20, c21, add);
            Store512(c + (3 * ldc), c30, c31, add);
        }

        if (rows > 4)
        {
            Store512(c + (4 * ldc), c40, c41, add);
            Store512(c + (5 * ldc), c50, c51, add);
            Store512(c + (6 * ldc), c60, c61, add);
            Store512(c + (7 * ldc), c70, c71, add);
        }

        if (rows > 8)
        {
            Store512(c + (8 * ldc), c80, c81, add);
            Store512(c + (9 * ldc), c90, c91, add);
            Store512(c + (10 * ldc), ca0, ca1, add);
            Store512(c + (11 * ldc), cb0, cb1, add);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512<T>(T* row, Vector512<T> lo, Vector512<T> hi, bool add)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int v = Vector512<T>.Count;
        if (add)
        {
            lo += Vector512.Load(row);
            hi += Vector512.Load(row + v);
        }

        lo.Store(row);
        hi.Store(row + v);
    }

    /// <summary>Writes the first cols lanes of a row's two accumulators to C, masked when cols is short of a full tile.</summary>
    private readonly struct TileColumns<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Vector512<T> _low;
        private readonly Vector512<T> _high;
        private readonly bool _full;

        public TileColumns(int cols)
        {
            int v = Vector512<T>.Count;
            _full = cols == 2 * v;
            _low = Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(cols)));
            _high = Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(cols - v)));
        }

        /// <summary>row[:cols] = (lo, hi), or += when <paramref name="add"/>; lanes past cols are neither read nor written.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(T* row, Vector512<T> lo, Vector512<T> hi, bool add)
        {
            int v = Vector512<T>.Count;
            if (_full)
            {
                Store512(row, lo, hi, add);
            }
            else
            {
                MaskedStore(row, lo, _low, add);
                MaskedStore(row + v, hi, _high, add);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void MaskedStore(T* row, Vector512<T> sum, Vector512<T> mask, bool add)
        {
            if (typeof(T) == typeof(float))
            {
                Vector512<float> value = add
                    ? sum.AsSingle() + Avx512F.MaskLoad((float*)row, mask.AsSingle(), Vector512<float>.Zero)
                    : sum.AsSingle();
                Avx512F.MaskStore((float*)row, mask.AsSingle(), value);
            }
            else if (typeof(T) == typeof(double))
            {
                Vector512<double> value = add
                    ? sum.AsDouble() + Avx512F.MaskLoad((double*)row, mask.AsDouble(), Vector512<double>.Zero)
                    : sum.AsDouble();
                Avx512F.MaskStore((double*)row, mask.AsDouble(), value);
            }
            else
            {
                throw new NotSupportedException($"The AVX-512 GEMM path supports float and double, not {typeof(T).Name}.");
            }
        }
    }
}
