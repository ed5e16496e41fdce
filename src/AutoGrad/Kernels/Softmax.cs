using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

/// <summary>Softmax and log-softmax along one axis of a buffer viewed as (outer, n, inner), built on TensorPrimitives.</summary>
internal static unsafe class Softmax
{
    /// <summary>When false, short float32 rows take the TensorPrimitives path (for tests and benchmarks comparing the two).</summary>
    internal static bool ShortRowsEnabled { get; set; } = true;

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

        if (inner == 1 && n <= Vector512<float>.Count && typeof(T) == typeof(float) && ShortRowsEnabled && Avx512F.IsSupported)
        {
            ShortRows(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(destination), outer, n, log);
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

    /// <summary>
    /// Rows of n ≤ 16 float32 values (a classifier's logits), one masked 512-bit vector each: on such rows the five
    /// TensorPrimitives calls per row cost more than their arithmetic (a [64, 10] log-softmax took about 4 µs). The same
    /// shift by the row's maximum and the same vector exponential (exactly 1 at the maximum); the row's sum is formed in
    /// another order, so results can differ from the span path in the last bit.
    /// </summary>
    private static void ShortRows(ReadOnlySpan<float> x, Span<float> destination, int outer, int n, bool log)
    {
        Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n)).AsSingle();
        Vector512<float> lowest = Vector512.Create(float.NegativeInfinity);
        fixed (float* px = x)
        fixed (float* pd = destination)
        {
            for (int o = 0; o < outer; o++)
            {
                float* row = px + ((nint)o * n);
                // The maximum as TensorPrimitives.Max gives it: NaN if the row has one.
                float max = row[0];
                for (int j = 1; j < n && !float.IsNaN(max); j++)
                {
                    float v = row[j];
                    max = v > max || float.IsNaN(v) ? v : max;
                }

                Vector512<float> shifted = Avx512F.MaskLoad(row, mask, lowest) - Vector512.Create(max);
                // The vector exponential gives 1.0000001 at 0, the maximum's own term: make it exactly 1, as the scalar
                // MathF.Exp of the span path's short rows does (so log-softmax of [1000, 0] is [0, −1000], not −1.2e-7).
                // Lanes past n hold −∞ − max (−∞, or NaN for a row of −∞): their exponentials are dropped from the sum.
                Vector512<float> exps = Vector512.ConditionalSelect(Vector512.Equals(shifted, Vector512<float>.Zero), Vector512<float>.One, Vector512.Exp(shifted));
                exps = Vector512.ConditionalSelect(mask, exps, Vector512<float>.Zero);
                float sum = Vector512.Sum(exps);
                Vector512<float> result = log ? shifted - Vector512.Create(MathF.Log(sum)) : exps / Vector512.Create(sum);
                Avx512F.MaskStore(pd + ((nint)o * n), mask, result);
            }
        }
    }
}
