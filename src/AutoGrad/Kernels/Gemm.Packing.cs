using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into micro-panels of <paramref name="mr"/> rows: panel r holds, for each p,
    /// the values of rows r·mr .. r·mr+mr-1 (zeros past the last row). A transposed A is read row by row, so its
    /// transpose costs nothing extra.
    /// </summary>
    private static void PackA<T>(T* a, nint lda, bool transA, int i0, int p0, int mc, int kc, T* packed, int mr)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            T* panel = packed + (ir * kc);
            if (transA)
            {
                // op(A)[i, p] = a[p·lda + i]: each p contributes `rows` contiguous values.
                T* source = a + ((nint)p0 * lda) + i0 + ir;
                for (int p = 0; p < kc; p++, source += lda, panel += mr)
                {
                    int i = 0;
                    for (; i < rows; i++)
                    {
                        panel[i] = source[i];
                    }

                    for (; i < mr; i++)
                    {
                        panel[i] = T.Zero;
                    }
                }
            }
            else
            {
                // op(A)[i, p] = a[i·lda + p]: read each row contiguously, write with stride mr.
                if (typeof(T) == typeof(float) && rows == 12 && mr == 12 && Avx.IsSupported)
                {
                    PackRows12((float*)a + ((nint)(i0 + ir) * lda) + p0, lda, kc, (float*)panel);
                    continue;
                }

                if (typeof(T) == typeof(float) && rows == 6 && mr == 6 && Avx.IsSupported)
                {
                    PackRows6((float*)a + ((nint)(i0 + ir) * lda) + p0, lda, kc, (float*)panel);
                    continue;
                }

                for (int i = 0; i < mr; i++)
                {
                    T* target = panel + i;
                    if (i < rows)
                    {
                        T* source = a + ((nint)(i0 + ir + i) * lda) + p0;
                        for (int p = 0; p < kc; p++)
                        {
                            target[p * mr] = source[p];
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++)
                        {
                            target[p * mr] = T.Zero;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs 12 stored rows of A (kc values each) into a 12-row micro-panel, panel[p·12 + i] = a[i·lda + p], as 8×8 and
    /// 4×8 blocks transposed in registers: the scalar loop wrote one strided float per element, 3–8 % of a large
    /// product's time.
    /// </summary>
    private static void PackRows12(float* a, nint lda, int kc, float* panel)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            Transpose8.Copy(a + p, lda, panel + (p * 12), 12);
            Transpose4x8(a + (8 * lda) + p, lda, panel + (p * 12) + 8, 12);
        }

        for (; p < kc; p++)
        {
            for (int i = 0; i < 12; i++)
            {
                panel[(p * 12) + i] = a[(i * lda) + p];
            }
        }
    }

    /// <summary>
    /// Packs 6 stored rows of A (kc values each) into a 6-row micro-panel, panel[p·6 + i] = a[i·lda + p], as 8×8 blocks
    /// (two zero rows) transposed in registers; the scalar loop's strided stores took 7 % of a 512³ profile against the
    /// AVX2 kernel's 40 %.
    /// </summary>
    /// <remarks>Each block's eight 8-value rows are stored 6 apart in ascending order, so each overwrites the previous
    /// one's two padding values; the last one's land in the next block of the same panel, which is stored after it. The
    /// panel's last 1–8 values of p go through the scalar loop, so nothing is written past the panel.</remarks>
    private static void PackRows6(float* a, nint lda, int kc, float* panel)
    {
        int p = 0;
        for (; p + 8 < kc; p += 8)
        {
            float* source = a + p;
            Transpose8.Store(Avx.LoadVector256(source), Avx.LoadVector256(source + lda),
                Avx.LoadVector256(source + (2 * lda)), Avx.LoadVector256(source + (3 * lda)),
                Avx.LoadVector256(source + (4 * lda)), Avx.LoadVector256(source + (5 * lda)),
                Vector256<float>.Zero, Vector256<float>.Zero, panel + (p * 6), 6);
        }

        for (; p < kc; p++)
        {
            for (int i = 0; i < 6; i++)
            {
                panel[(p * 6) + i] = a[(i * lda) + p];
            }
        }
    }

    /// <summary>
    /// Copies a 4×8 block of floats transposed: <paramref name="target"/>[q·targetStride + r] =
    /// <paramref name="source"/>[r·sourceStride + q] for r &lt; 4, q &lt; 8, as two 4×4 transposes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x8(float* source, nint sourceStride, float* target, nint targetStride)
    {
        for (int half = 0; half < 8; half += 4)
        {
            Vector128<float> r0 = Sse.LoadVector128(source + half);
            Vector128<float> r1 = Sse.LoadVector128(source + sourceStride + half);
            Vector128<float> r2 = Sse.LoadVector128(source + (2 * sourceStride) + half);
            Vector128<float> r3 = Sse.LoadVector128(source + (3 * sourceStride) + half);
            Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackHigh(r0, r1);
            Vector128<float> t2 = Sse.UnpackLow(r2, r3), t3 = Sse.UnpackHigh(r2, r3);
            float* row = target + (half * targetStride);
            Sse.Store(row, Sse.MoveLowToHigh(t0, t2));
            Sse.Store(row + targetStride, Sse.MoveHighToLow(t2, t0));
            Sse.Store(row + (2 * targetStride), Sse.MoveLowToHigh(t1, t3));
            Sse.Store(row + (3 * targetStride), Sse.MoveHighToLow(t3, t1));
        }
    }

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into micro-panels of <paramref name="nr"/> columns: panel r holds, for each
    /// p, the values of columns r·nr .. r·nr+nr-1 (zeros past the last column).
    /// </summary>
    private static void PackB<T>(T* b, nint ldb, bool transB, int p0, int j0, int kc, int nc, T* packed, int nr)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int whole = nc / nr * nr;
        if (!transB && whole > nr && nr % Vector256<T>.Count == 0)
        {
            // Several whole panels: walk the stored rows in order (one contiguous read per row, which the hardware
            // prefetcher follows) and deal each row's 32-value pieces to the panels, instead of walking down each
            // panel's columns (a new row, often a new page, every 128 bytes).
            T* source = b + ((nint)p0 * ldb) + j0;
            for (int p = 0; p < kc; p++, source += ldb)
            {
                T* target = packed + (p * nr);
                for (int jr = 0; jr < whole; jr += nr, target += kc * nr)
                {
                    for (int j = 0; j < nr; j += Vector256<T>.Count)
                    {
                        Vector256.Store(Vector256.Load(source + jr + j), target + j);
                    }
                }
            }

            if (whole < nc)
            {
                PackB(b, ldb, transB, p0, j0 + whole, kc, nc - whole, packed + (whole * kc), nr);
            }

            return;
        }

        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panel = packed + (jr * kc);
            if (!transB)
            {
                // op(B)[p, j] = b[p·ldb + j]: a contiguous copy of `cols` values per p.
                T* source = b + ((nint)p0 * ldb) + j0 + jr;
                if (cols == nr && nr % Vector256<T>.Count == 0)
                {
                    // Whole vectors: a call to a general block copy per row of the panel cost more than the copy.
                    for (int p = 0; p < kc; p++, source += ldb, panel += nr)
                    {
                        for (int j = 0; j < nr; j += Vector256<T>.Count)
                        {
                            Vector256.Store(Vector256.Load(source + j), panel + j);
                        }
                    }

                    continue;
                }

                if (typeof(T) == typeof(float) && Avx.IsSupported && nr % 8 == 0)
                {
                    // A partial panel (n = 10 for an MLP's output layer): one masked load per 8 lanes, zeros past the
                    // last column (masked-off lanes cannot fault); a block-copy call and a zeroing loop per p cost more
                    // than the product's FMAs. Both vector widths' panels are multiples of 8.
                    for (int p = 0; p < kc; p++, source += ldb, panel += nr)
                    {
                        for (int j = 0; j < nr; j += 8)
                        {
                            Vector256<float> mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(cols - j)).AsSingle();
                            Avx.MaskLoad((float*)source + j, mask).Store((float*)panel + j);
                        }
                    }

                    continue;
                }

                uint bytes = (uint)(cols * sizeof(T));
                for (int p = 0; p < kc; p++, source += ldb, panel += nr)
                {
                    Unsafe.CopyBlockUnaligned(panel, source, bytes);
                    for (int j = cols; j < nr; j++)
                    {
                        panel[j] = T.Zero;
                    }
                }
            }
            else
            {
                // op(B)[p, j] = b[j·ldb + p]: write the panel contiguously, reading `cols` stored rows side by side
                // (each of their cache lines serves 64 bytes' worth of consecutive p).
                T* source = b + ((nint)(j0 + jr) * ldb) + p0;
                if (cols == nr && TryGatherColumns(source, ldb, kc, panel, nr))
                {
                    continue;
                }

                for (int p = 0; p < kc; p++, panel += nr)
                {
                    T* column = source + p;
                    int j = 0;
                    for (; j < cols; j++)
                    {
                        panel[j] = column[j * ldb];
                    }

                    for (; j < nr; j++)
                    {
                        panel[j] = T.Zero;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs a full panel of a transposed B with vector instructions: floats as 8×8 blocks transposed in registers
    /// (a row load per 8 values; dH·W1ᵀ of the MNIST MLP packs 784×128 of them per call), the last kc mod 8 values and
    /// doubles with AVX2 gathers, one p from 8 floats' or 4 doubles' consecutive stored rows.
    /// </summary>
    /// <returns>False, having done nothing, when AVX2 is missing or the panel width is not a multiple of a gather.</returns>
    private static bool TryGatherColumns<T>(T* source, nint ldb, int kc, T* panel, int nr)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = 32 / sizeof(T);
        if (!Avx2.IsSupported || nr % lanes != 0 || ldb * nr > int.MaxValue)
        {
            return false;
        }

        int groups = nr / lanes;
        for (int g = 0; g < groups; g++)
        {
            T* rows = source + (g * lanes * ldb);
            T* target = panel + (g * lanes);
            if (typeof(T) == typeof(float))
            {
                Vector256<int> offsets = Vector256<int>.Indices * (int)ldb;
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    Transpose8.Copy((float*)rows + p, ldb, (float*)target + (p * nr), nr);
                }

                for (; p < kc; p++)
                {
                    Avx2.GatherVector256((float*)rows + p, offsets, 4).Store((float*)target + (p * nr));
                }
            }
            else if (typeof(T) == typeof(double))
            {
                Vector128<int> offsets = Vector128<int>.Indices * (int)ldb;
                for (int p = 0; p < kc; p++)
                {
                    Avx2.GatherVector256((double*)rows + p, offsets, 8).Store((double*)target + (p * nr));
                }
            }
            else
            {
                return false;
            }
        }

        return true;
    }
}
