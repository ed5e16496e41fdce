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
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into micro-panels of <paramref name="nr"/> columns: panel r holds, for each
    /// p, the values of columns r·nr .. r·nr+nr-1 (zeros past the last column).
    /// </summary>
    private static void PackB<T>(T* b, nint ldb, bool transB, int p0, int j0, int kc, int nc, T* packed, int nr)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
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
    /// Packs a full panel of a transposed B with gathers: one AVX2 gather loads one p from 8 floats' or 4 doubles'
    /// consecutive stored rows, about twice as fast as element-by-element copies.
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
                for (int p = 0; p < kc; p++)
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
