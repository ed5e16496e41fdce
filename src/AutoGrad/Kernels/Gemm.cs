using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad.Kernels;

/// <summary>General matrix multiply on row-major buffers.</summary>
internal static class Gemm
{
    /// <summary>
    /// C[m×n] = op(A)·op(B) (+ C when accumulate). Row-major. op(A) is m×k: A is stored m×k with row stride lda when
    /// !transA, or k×m with row stride lda when transA. op(B) is k×n: B stored k×n (ldb) when !transB, or n×k (ldb)
    /// when transB. C has row stride ldc.
    /// </summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, int lda, bool transA, ReadOnlySpan<T> b, int ldb, bool transB,
        Span<T> c, int ldc, int m, int n, int k, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Row-axpy form: each row of C accumulates k scaled rows of op(B); transposed B is packed once.
        T[]? packedB = null;
        if (transB)
        {
            packedB = new T[k * n];
            for (int j = 0; j < n; j++)
            {
                for (int p = 0; p < k; p++)
                {
                    packedB[(p * n) + j] = b[(j * ldb) + p];
                }
            }

            b = packedB;
            ldb = n;
        }

        for (int i = 0; i < m; i++)
        {
            Span<T> row = c.Slice(i * ldc, n);
            if (!accumulate)
            {
                row.Clear();
            }

            for (int p = 0; p < k; p++)
            {
                T aip = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), aip, row, row);
            }
        }
    }
}
