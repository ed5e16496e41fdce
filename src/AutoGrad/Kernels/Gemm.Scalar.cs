using System.Numerics;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>Products up to this many multiply-adds (and one k block) skip packing: see <see cref="Tiny{T}"/>.</summary>
    internal const long TinyMultiplyAdds = 512;

    /// <summary>Whether a product is small enough for <see cref="Tiny{T}"/>.</summary>
    private static bool IsTiny(int m, int n, int k) => (long)m * n * k <= TinyMultiplyAdds && k <= KC;

    /// <summary>
    /// A product of a few hundred multiply-adds (the XOR model's 1×2·2×3): plain loops, without the packing and tile set-up
    /// that cost more than the arithmetic. Each element is summed as the vector kernels sum one k block — FMAs with p
    /// ascending from a zero accumulator, the sum then added to C when accumulating — so the result is bit-identical to
    /// theirs and does not depend on which path a size takes.
    /// </summary>
    private static void Tiny<T>(T* a, nint lda, bool transA, T* b, nint ldb, bool transB, T* c, nint ldc,
        int m, int n, int k, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        nint aRow = transA ? 1 : lda, aStep = transA ? lda : 1;
        nint bCol = transB ? ldb : 1, bStep = transB ? 1 : ldb;
        for (int i = 0; i < m; i++)
        {
            T* rowA = a + (i * aRow);
            T* rowC = c + (i * ldc);
            for (int j = 0; j < n; j++)
            {
                T* columnB = b + (j * bCol);
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    sum = T.FusedMultiplyAdd(rowA[p * aStep], columnB[p * bStep], sum);
                }

                rowC[j] = accumulate ? rowC[j] + sum : sum;
            }
        }
    }

    /// <summary>
    /// Plain loops for element types or hardware without a vector kernel: C row by row, p ascending, so each element is
    /// C[i, j] (or 0) + Σₚ op(A)[i, p]·op(B)[p, j] summed left to right.
    /// </summary>
    private static void Scalar<T>(T* a, nint lda, bool transA, T* b, nint ldb, bool transB, T* c, nint ldc,
        int m, int n, int k, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            T* rowC = c + (i * ldc);
            if (!accumulate)
            {
                new Span<T>(rowC, n).Clear();
            }

            for (int p = 0; p < k; p++)
            {
                T aip = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                if (transB)
                {
                    T* columnB = b + p;
                    for (int j = 0; j < n; j++)
                    {
                        rowC[j] += aip * columnB[j * ldb];
                    }
                }
                else
                {
                    T* rowB = b + (p * ldb);
                    for (int j = 0; j < n; j++)
                    {
                        rowC[j] += aip * rowB[j];
                    }
                }
            }
        }
    }
}
