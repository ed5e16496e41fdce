using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad.Kernels;

/// <summary>Index of the largest or smallest element along one axis of a buffer viewed as (outer, n, inner).</summary>
internal static class ArgReduce
{
    /// <summary>
    /// Writes, for every (outer, inner) position, the index along the axis of the extreme value as an exact integer
    /// in <typeparamref name="T"/>. Ties go to the first occurrence, as in NumPy; a NaN counts as the extreme.
    /// </summary>
    public static void Axis<T>(bool max, ReadOnlySpan<T> x, Span<long> destination, int outer, int n, int inner)
        where T : unmanaged, INumber<T>
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<T> row = x.Slice(o * n, n);
                destination[o] = max ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
            }

            return;
        }

        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<T> block = x.Slice(o * n * inner, n * inner);
            Span<long> result = destination.Slice(o * inner, inner);
            for (int i = 0; i < inner; i++)
            {
                T best = block[i];
                int bestIndex = 0;
                for (int j = 1; j < n && !T.IsNaN(best); j++)
                {
                    T candidate = block[(j * inner) + i];
                    if (T.IsNaN(candidate) || (max ? candidate > best : candidate < best))
                    {
                        best = candidate;
                        bestIndex = j;
                    }
                }

                result[i] = bestIndex;
            }
        }
    }
}
