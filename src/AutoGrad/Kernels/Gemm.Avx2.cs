using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>Rows of C per AVX2 tile: 6 rows × 2 Vector256 use 12 of the 16 ymm registers as accumulators.</summary>
    private const int Mr256 = 6;

    /// <summary>
    /// The cache-blocked loop nest (<see cref="Blocked{T, TTiles}"/>) with AVX2 tiles of up to 6 rows × 2 Vector256
    /// columns: the path of cores without AVX-512, and of those whose 512-bit operations run as two 256-bit halves.
    /// </summary>
    private static void Blocked256<T>(T* a, nint lda, bool transA, T* b, nint ldb, bool transB, T* c, nint ldc,
        int m, int n, int k, bool accumulate, in EpilogueTarget<T> epilogue, bool packA, T* sharedA = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Blocked<T, Tiles256<T>>(a, lda, transA, b, ldb, transB, c, ldc, m, n, k, accumulate, epilogue, packA, sharedA);

    /// <summary>The AVX2 tiles for <see cref="Blocked{T, TTiles}"/>.</summary>
    private readonly struct Tiles256<T> : IGemmTiles<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static int Mr => Mr256;

        public static int Nr => 2 * Vector256<T>.Count;

        public static void Run(int rows, int cols, int kc, T* a, nint rowStep, nint pStep, T* b, T* c, nint ldc, bool add,
            T* scratch) => Tile256(rows, cols, kc, a, rowStep, pStep, b, c, ldc, add, scratch);
    }

    /// <summary>
    /// One tile of <paramref name="rows"/> ≤ 6 rows and <paramref name="cols"/> ≤ 2·Vector256 columns; a tile short of
    /// full columns is computed into <paramref name="scratch"/> (6 × 2·Vector256) and merged under a mask.
    /// </summary>
    private static void Tile256<T>(int rows, int cols, int kc, T* a, nint rowStep, nint pStep, T* b, T* c, nint ldc,
        bool add, T* scratch)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int v = Vector256<T>.Count;
        if (cols < 2 * v)
        {
            Tile256(rows, 2 * v, kc, a, rowStep, pStep, b, scratch, 2 * v, add: false, scratch);
            var low = Vector256.LessThan(Vector256<T>.Indices, Vector256.Create(T.CreateTruncating(cols)));
            var high = Vector256.LessThan(Vector256<T>.Indices, Vector256.Create(T.CreateTruncating(cols - v)));
            for (int i = 0; i < rows; i++)
            {
                MaskedStore256(c + (i * ldc), Vector256.Load(scratch + (i * 2 * v)), low, add);
                MaskedStore256(c + (i * ldc) + v, Vector256.Load(scratch + (i * 2 * v) + v), high, add);
            }

            return;
        }

        if (rows == Mr256)
        {
            Tile256<T, Count6>(kc, a, rowStep, pStep, b, c, ldc, add);
            return;
        }

        // 5 = 4 + 1 and 3 = 2 + 1: each call has all its accumulators in registers and does no work on padding rows.
        while (rows > 0)
        {
            int step = rows >= 4 ? 4 : rows >= 2 ? 2 : 1;
            switch (step)
            {
                case 4:
                    Tile256<T, Count4>(kc, a, rowStep, pStep, b, c, ldc, add);
                    break;
                case 2:
                    Tile256<T, Count2>(kc, a, rowStep, pStep, b, c, ldc, add);
                    break;
                default:
                    Tile256<T, Count1>(kc, a, rowStep, pStep, b, c, ldc, add);
                    break;
            }

            rows -= step;
            a += step * rowStep;
            c += step * ldc;
        }
    }

    /// <summary>
    /// C[r, :2·Vector256] (=, or += when <paramref name="add"/>) Σₚ op(A)[r, p]·B[p, :] for TRows.Value ≤ 6 rows: two
    /// Vector256 accumulators per row, one broadcast of A and two loads of the packed B per pair of FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile256<T, TRows>(int kc, T* a, nint rowStep, nint pStep, T* b, T* c, nint ldc, bool add)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, IFixedCount
    {
        int v = Vector256<T>.Count;
        int rows = TRows.Value;
        nint r1 = rowStep, r2 = 2 * rowStep, r3 = 3 * rowStep, r4 = 4 * rowStep, r5 = 5 * rowStep;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;

        // C's rows are far apart and only needed after the loop: start their loads now, as the AVX-512 tile does.
        for (int r = 0; r < rows; r++)
        {
            Sse.Prefetch0(c + (r * ldc));
        }

        for (int p = 0; p < kc; p++, a += pStep, b += 2 * v)
        {
            Vector256<T> b0 = Vector256.Load(b);
            Vector256<T> b1 = Vector256.Load(b + v);
            Vector256<T> x = Vector256.Create(a[0]);
            c00 = Fma256(x, b0, c00);
            c01 = Fma256(x, b1, c01);
            if (rows > 1)
            {
                x = Vector256.Create(a[r1]);
                c10 = Fma256(x, b0, c10);
                c11 = Fma256(x, b1, c11);
            }

            if (rows > 2)
            {
                x = Vector256.Create(a[r2]);
                c20 = Fma256(x, b0, c20);
                c21 = Fma256(x, b1, c21);
                x = Vector256.Create(a[r3]);
                c30 = Fma256(x, b0, c30);
                c31 = Fma256(x, b1, c31);
            }

            if (rows > 4)
            {
                x = Vector256.Create(a[r4]);
                c40 = Fma256(x, b0, c40);
                c41 = Fma256(x, b1, c41);
                x = Vector256.Create(a[r5]);
                c50 = Fma256(x, b0, c50);
                c51 = Fma256(x, b1, c51);
            }
        }

        Store256(c, c00, c01, add);
        if (rows > 1)
        {
            Store256(c + ldc, c10, c11, add);
        }

        if (rows > 2)
        {
            Store256(c + (2 * ldc), c20, c21, add);
            Store256(c + (3 * ldc), c30, c31, add);
        }

        if (rows > 4)
        {
            Store256(c + (4 * ldc), c40, c41, add);
            Store256(c + (5 * ldc), c50, c51, add);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256<T>(T* row, Vector256<T> lo, Vector256<T> hi, bool add)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int v = Vector256<T>.Count;
        if (add)
        {
            lo += Vector256.Load(row);
            hi += Vector256.Load(row + v);
        }

        lo.Store(row);
        hi.Store(row + v);
    }

    /// <summary>row[j] = sum[j], or += when <paramref name="add"/>, for the lanes set in <paramref name="mask"/>; the
    /// others are neither read nor written (masked lanes cannot fault).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaskedStore256<T>(T* row, Vector256<T> sum, Vector256<T> mask, bool add)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            Vector256<float> value = add ? sum.AsSingle() + Avx.MaskLoad((float*)row, mask.AsSingle()) : sum.AsSingle();
            Avx.MaskStore((float*)row, mask.AsSingle(), value);
        }
        else if (typeof(T) == typeof(double))
        {
            Vector256<double> value = add ? sum.AsDouble() + Avx.MaskLoad((double*)row, mask.AsDouble()) : sum.AsDouble();
            Avx.MaskStore((double*)row, mask.AsDouble(), value);
        }
        else
        {
            throw new NotSupportedException($"The AVX2 GEMM path supports float and double, not {typeof(T).Name}.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma256<T>(Vector256<T> x, Vector256<T> y, Vector256<T> addend)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), addend.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), addend.AsDouble()).As<double, T>();
        }

        throw new NotSupportedException($"The AVX2 GEMM path supports float and double, not {typeof(T).Name}.");
    }
}
