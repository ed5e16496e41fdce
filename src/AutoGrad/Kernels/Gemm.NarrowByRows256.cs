using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>Most columns <see cref="ByRowsTile8"/> takes: 12 accumulators, the A row and a broadcast fill the 16 ymm
    /// registers (the AVX-512 form takes 16 of its 32).</summary>
    private const int ByRows256MaxColumns = 12;

    /// <summary>
    /// True when an AVX2 product runs <see cref="NarrowByRows256{T}"/>: float32, a transposed A small enough to read in
    /// place (<see cref="NarrowInPlace{T}"/>) and at most <see cref="ByRows256MaxColumns"/> columns.
    /// </summary>
    private static bool RunsByRows256<T>(bool transA, int n, int k, nint lda)
        where T : unmanaged => typeof(T) == typeof(float) && transA && n <= ByRows256MaxColumns && NarrowByRowsEnabled
        && NarrowInPlace<T>(k, lda);

    /// <summary>
    /// C = Aᵀ·op(B) (+ C) for a narrow n with AVX2, the stored A read in place: tiles of 8 rows of C vectorized over the
    /// rows (<see cref="ByRowsTile8"/>), the last m mod 8 rows by <see cref="Tile256{T}"/>; op(B) packed into one
    /// zero-padded KC×16 panel per k block. Each element is summed in the packed path's order (KC blocks, p ascending
    /// from zero, then added to C), so the result has the bits of the other paths and of any row split.
    /// </summary>
    /// <remarks>
    /// The 6×16 tile fills 10 of its 16 columns for a classifier and reads 6 of a line's 16 values of the stored A per p;
    /// this one loads 8 rows of C at once from the stored row p and uses every lane. The tutorial model's weight gradient
    /// (784×329ᵀ·329×10 per row block) and an MLP's hᵀ·dZ take it.
    /// </remarks>
    private static void NarrowByRows256<T>(T* a, nint lda, T* b, nint ldb, bool transB, T* c, nint ldc,
        int m, int n, int k, bool accumulate, in EpilogueTarget<T> epilogue)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        const int width = 16;
        int kcMax = Balanced(k, KC);
        T* panel = PackBuffers<T>.B(kcMax * width);
        T* scratch = stackalloc T[Mr256 * width];
        for (int p0 = 0; p0 < k; p0 += kcMax)
        {
            int kc = Math.Min(kcMax, k - p0);
            bool add = accumulate || p0 > 0;
            bool final = p0 + kc == k;
            PackB(b, ldb, transB, p0, 0, kc, n, panel, width);
            T* block = a + (p0 * lda);
            int i = 0;
            for (; i + 8 <= m; i += 8)
            {
                ByRowsTile8(kc, (float*)(block + i), lda, (float*)panel, (float*)(c + (i * ldc)), ldc, n, add);
                if (final)
                {
                    epilogue.Apply(i, 8, 0, n);
                }
            }

            int first = i;
            for (; i < m; i += Mr256)
            {
                Tile256(Math.Min(Mr256, m - i), n, kc, block + i, 1, lda, panel, c + (i * ldc), ldc, add, scratch);
            }

            if (final && first < m)
            {
                epilogue.Apply(first, m - first, 0, n);
            }
        }
    }

    /// <summary>
    /// C[r, :n] (=, or += when <paramref name="add"/>) Σₚ Aᵀ[r, p]·panel[p, :] for 8 rows of C and n ≤ 12: accumulator j
    /// holds column j of the tile, fed by one load of the stored A (8 consecutive rows of C at one p) and a broadcast of
    /// panel[p, j]; the tile is then transposed (two 8×8 blocks) and merged into C's rows under a mask.
    /// </summary>
    private static void ByRowsTile8(int kc, float* a, nint lda, float* panel, float* c, nint ldc, int n, bool add)
    {
        switch ((n + 1) / 2)
        {
            case 1:
                ByRowsTile8<Count2>(kc, a, lda, panel, c, ldc, n, add);
                break;
            case 2:
                ByRowsTile8<Count4>(kc, a, lda, panel, c, ldc, n, add);
                break;
            case 3:
                ByRowsTile8<Count6>(kc, a, lda, panel, c, ldc, n, add);
                break;
            case 4:
                ByRowsTile8<Count8>(kc, a, lda, panel, c, ldc, n, add);
                break;
            case 5:
                ByRowsTile8<Count10>(kc, a, lda, panel, c, ldc, n, add);
                break;
            default:
                ByRowsTile8<Count12>(kc, a, lda, panel, c, ldc, n, add);
                break;
        }
    }

    /// <summary><see cref="ByRowsTile8"/> for TColumns.Value ≥ n accumulators (the panel's padding columns are 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void ByRowsTile8<TColumns>(int kc, float* a, nint lda, float* panel, float* c, nint ldc, int n, bool add)
        where TColumns : struct, IFixedCount
    {
        int columns = TColumns.Value;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector256<float> c6 = default, c7 = default, c8 = default, c9 = default, ca = default, cb = default;
        for (int p = 0; p < kc; p++, a += lda, panel += 16)
        {
            Vector256<float> x = Avx.LoadVector256(a);
            c0 = Fma.MultiplyAdd(x, Vector256.Create(panel[0]), c0);
            c1 = Fma.MultiplyAdd(x, Vector256.Create(panel[1]), c1);
            if (columns > 2)
            {
                c2 = Fma.MultiplyAdd(x, Vector256.Create(panel[2]), c2);
                c3 = Fma.MultiplyAdd(x, Vector256.Create(panel[3]), c3);
            }

            if (columns > 4)
            {
                c4 = Fma.MultiplyAdd(x, Vector256.Create(panel[4]), c4);
                c5 = Fma.MultiplyAdd(x, Vector256.Create(panel[5]), c5);
            }

            if (columns > 6)
            {
                c6 = Fma.MultiplyAdd(x, Vector256.Create(panel[6]), c6);
                c7 = Fma.MultiplyAdd(x, Vector256.Create(panel[7]), c7);
            }

            if (columns > 8)
            {
                c8 = Fma.MultiplyAdd(x, Vector256.Create(panel[8]), c8);
                c9 = Fma.MultiplyAdd(x, Vector256.Create(panel[9]), c9);
            }

            if (columns > 10)
            {
                ca = Fma.MultiplyAdd(x, Vector256.Create(panel[10]), ca);
                cb = Fma.MultiplyAdd(x, Vector256.Create(panel[11]), cb);
            }
        }

        // Row r of the tile gets columns 0–7 at tile[16·r] and 8–15 at tile[16·r + 8] (unused accumulators hold zeros,
        // and their lanes are past n, never stored).
        float* tile = stackalloc float[8 * 16];
        Transpose8.Store(c0, c1, c2, c3, c4, c5, c6, c7, tile, 16);
        if (n > 8)
        {
            Transpose8.Store(c8, c9, ca, cb, default, default, default, default, tile + 8, 16);
        }

        Vector256<float> low = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(n)).AsSingle();
        Vector256<float> high = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(n - 8)).AsSingle();
        for (int r = 0; r < 8; r++)
        {
            MaskedStore256(c + (r * ldc), Avx.LoadVector256(tile + (16 * r)), low, add);
            if (n > 8)
            {
                MaskedStore256(c + (r * ldc) + 8, Avx.LoadVector256(tile + (16 * r) + 8), high, add);
            }
        }
    }
}
