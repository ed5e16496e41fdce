using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad.Kernels;

/// <summary>Softmax and log-softmax along one axis of a buffer viewed as (outer, n, inner), built on TensorPrimitives.</summary>
internal static class Softmax
{
    /// <summary>
    /// destination = softmax(x) (or log-softmax when <paramref name="log"/>) along the middle axis. The row maximum is
    /// subtracted first, so every exponent is ≤ 0 and inputs like 1000 cannot overflow. TensorPrimitives.SoftMax is not
    /// used because it exponentiates without that shift.
    /// </summary>
    public static void Axis<T>(ReadOnlySpan<T> x, Span<T> destination, int outer, int n, int inner, bool log)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (n == 0 || outer == 0 || inner == 0)
        {
            return;
        }

        T[] scratch = ArrayPool<T>.Shared.Rent(2 * Math.Max(n, inner));
        try
        {
            if (inner == 1)
            {
                Span<T> exps = scratch.AsSpan(0, n);
                for (int o = 0; o < outer; o++)
                {
                    ReadOnlySpan<T> row = x.Slice(o * n, n);
                    Span<T> d = destination.Slice(o * n, n);
                    TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), d);
                    if (log)
                    {
                        TensorPrimitives.Exp(d, exps);
                        TensorPrimitives.Subtract(d, T.Log(TensorPrimitives.Sum<T>(exps)), d);
                    }
                    else
                    {
                        TensorPrimitives.Exp(d, d);
                        TensorPrimitives.Divide(d, TensorPrimitives.Sum<T>(d), d);
                    }
                }

                return;
            }

            Span<T> max = scratch.AsSpan(0, inner);
            Span<T> sum = scratch.AsSpan(inner, inner);
            T[] exps2 = log ? ArrayPool<T>.Shared.Rent(inner) : [];
            try
            {
                for (int o = 0; o < outer; o++)
                {
                    ReadOnlySpan<T> block = x.Slice(o * n * inner, n * inner);
                    Span<T> d = destination.Slice(o * n * inner, n * inner);
                    block[..inner].CopyTo(max);
                    for (int j = 1; j < n; j++)
                    {
                        TensorPrimitives.Max(max, block.Slice(j * inner, inner), max);
                    }

                    sum.Clear();
                    for (int j = 0; j < n; j++)
                    {
                        Span<T> row = d.Slice(j * inner, inner);
                        TensorPrimitives.Subtract(block.Slice(j * inner, inner), max, row);
                        if (log)
                        {
                            Span<T> e = exps2.AsSpan(0, inner);
                            TensorPrimitives.Exp(row, e);
                            TensorPrimitives.Add(sum, e, sum);
                        }
                        else
                        {
                            TensorPrimitives.Exp(row, row);
                            TensorPrimitives.Add(sum, row, sum);
                        }
                    }

                    if (log)
                    {
                        TensorPrimitives.Log(sum, sum);
                    }

                    for (int j = 0; j < n; j++)
                    {
                        Span<T> row = d.Slice(j * inner, inner);
                        if (log)
                        {
                            TensorPrimitives.Subtract(row, sum, row);
                        }
                        else
                        {
                            TensorPrimitives.Divide(row, sum, row);
                        }
                    }
                }
            }
            finally
            {
                if (log)
                {
                    ArrayPool<T>.Shared.Return(exps2);
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratch);
        }
    }
}
