using System.Numerics;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
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
