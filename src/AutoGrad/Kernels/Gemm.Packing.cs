using System.Numerics;
using System.Runtime.CompilerServices;

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
}
