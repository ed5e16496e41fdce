using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>When false, narrow float products with a transposed A use <see cref="NarrowTile16{T}"/> with AVX-512 and
    /// the 6×16 tile with AVX2 instead of the row tiles (<see cref="ByRowsTile16"/>, <see cref="ByRowsTile8"/>), for the
    /// benchmark comparing them; the results are the same bits.</summary>
    internal static bool NarrowByRowsEnabled { get; set; } = true;

    /// <summary>
    /// True when a 16-row tile of a narrow product runs <see cref="ByRowsTile16"/>: float32 with a transposed A, whose
    /// stored rows hold 16 consecutive rows of C per p.
    /// </summary>
    private static bool NarrowByRows<T>(bool transA)
        where T : unmanaged => typeof(T) == typeof(float) && transA && NarrowByRowsEnabled;

    /// <summary>
    /// C[r, :n] (=, or += when <paramref name="add"/>) Σₚ Aᵀ[r, p]·panel[p, :] for 16 rows of C, vectorized over the rows:
    /// accumulator j holds column j of the tile, fed by one load of the stored A (16 consecutive rows of C at one p) and
    /// a broadcast of panel[p, j]. Every lane does useful work, where <see cref="NarrowTile16{T}"/>'s vectors over C's
    /// columns use n of 16 lanes (10 for a classifier). The tile is transposed (<see cref="Transpose16"/>) and merged into
    /// C's rows under a mask.
    /// </summary>
    /// <remarks>
    /// Each element is summed as in <see cref="NarrowTile16{T}"/> (p ascending from zero, the block's sum then added to C),
    /// so the two give the same bits and a product's result does not depend on which tile form a split ran.
    /// hᵀ·dZ of the MNIST MLP (128×64·64×10): 2.09 → 1.56 µs (<c>NarrowByRowsBenchmarks</c>, docs/performance.md).
    /// </remarks>
    private static void ByRowsTile16(int kc, float* a, nint lda, float* panel, float* c, nint ldc, int n, bool add)
    {
        switch ((n + 1) / 2)
        {
            case 1:
                ByRowsTile16<Count2>(kc, a, lda, panel, c, ldc, n, add);
                break;
            case 2:
                ByRowsTile16<Count4>(kc, a, lda, panel, c, ldc, n, add);
                break;
            case 3:
                ByRowsTile16<Count6>(kc, a, lda, panel, c, ldc, n, add);
                break;
            case 4:
                ByRowsTile16<Count8>(kc, a, lda, panel, c, ldc, n, add);
                break;
            case 5:
                ByRowsTile16<Count10>(kc, a, lda, panel, c, ldc, n, add);
                break;
            case 6:
                ByRowsTile16<Count12>(kc, a, lda, panel, c, ldc, n, add);
                break;
            case 7:
                ByRowsTile16<Count14>(kc, a, lda, panel, c, ldc, n, add);
                break;
            default:
                ByRowsTile16<Count16>(kc, a, lda, panel, c, ldc, n, add);
                break;
        }
    }

    /// <summary><see cref="ByRowsTile16"/> for TColumns.Value ≥ n accumulators (the panel's padding columns are 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void ByRowsTile16<TColumns>(int kc, float* a, nint lda, float* panel, float* c, nint ldc, int n, bool add)
        where TColumns : struct, IFixedCount
    {
        int columns = TColumns.Value;
        nint prefetch = 8 * lda;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> c8 = default, c9 = default, ca = default, cb = default, cc = default, cd = default, ce = default, cf = default;
        for (int p = 0; p < kc; p++, a += lda, panel += 16)
        {
            // The stored A's rows are lda apart; fetch a few p ahead as NarrowTile16 does.
            Sse.Prefetch0(a + prefetch);
            Vector512<float> x = Vector512.Load(a);
            c0 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[0]), c0);
            c1 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[1]), c1);
            if (columns > 2)
            {
                c2 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[2]), c2);
                c3 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[3]), c3);
            }

            if (columns > 4)
            {
                c4 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[4]), c4);
                c5 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[5]), c5);
            }

            if (columns > 6)
            {
                c6 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[6]), c6);
                c7 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[7]), c7);
            }

            if (columns > 8)
            {
                c8 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[8]), c8);
                c9 = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[9]), c9);
            }

            if (columns > 10)
            {
                ca = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[10]), ca);
                cb = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[11]), cb);
            }

            if (columns > 12)
            {
                cc = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[12]), cc);
                cd = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[13]), cd);
            }

            if (columns > 14)
            {
                ce = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[14]), ce);
                cf = Avx512F.FusedMultiplyAdd(x, Vector512.Create(panel[15]), cf);
            }
        }

        // Column j of the tile goes to row j of a 16×16 block (the accumulators past TColumns.Value hold zeros; their
        // transposed lanes are past n and never stored).
        float* block = stackalloc float[16 * 16];
        int* rows = stackalloc int[16];
        for (int j = 0; j < 16; j++)
        {
            rows[j] = 16 * j;
        }

        c0.Store(block);
        c1.Store(block + 16);
        c2.Store(block + 32);
        c3.Store(block + 48);
        c4.Store(block + 64);
        c5.Store(block + 80);
        c6.Store(block + 96);
        c7.Store(block + 112);
        c8.Store(block + 128);
        c9.Store(block + 144);
        ca.Store(block + 160);
        cb.Store(block + 176);
        cc.Store(block + 192);
        cd.Store(block + 208);
        ce.Store(block + 224);
        cf.Store(block + 240);

        float* tile = stackalloc float[16 * 16];
        Transpose16.Run(block, rows, Vector512<float>.Zero, tile, 16);
        var store = new NarrowColumns<float>(n);
        for (int r = 0; r < 16; r++)
        {
            store.Store(c + (r * ldc), Vector512.Load(tile + (16 * r)), add);
        }
    }
}
