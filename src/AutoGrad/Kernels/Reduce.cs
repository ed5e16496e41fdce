using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad.Kernels;

/// <summary>Which reduction to compute.</summary>
internal enum ReduceKind
{
    Sum,
    Max,
    Min,
}

/// <summary>Reductions over one axis of a row-major buffer viewed as (outer, n, inner), built on TensorPrimitives.</summary>
internal static class Reduce
{
    /// <summary>Reduces axis <c>n</c> of <paramref name="x"/> viewed as (outer, n, inner) into <paramref name="destination"/> (outer, inner).</summary>
    public static void Axis<T>(ReduceKind kind, ReadOnlySpan<T> x, Span<T> destination, int outer, int n, int inner)
        where T : unmanaged, INumber<T>
    {
        if (n == 0)
        {
            // Reducing an empty axis: the sum is 0; max and min have no value, as in NumPy.
            if (kind != ReduceKind.Sum && destination.Length > 0)
            {
                throw new ArgumentException($"reduce_{kind.ToString().ToLowerInvariant()}: cannot reduce an axis of size 0 (no identity element).");
            }

            destination.Clear();
            return;
        }

        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<T> row = x.Slice(o * n, n);
                destination[o] = kind switch
                {
                    ReduceKind.Sum => TensorPrimitives.Sum(row),
                    ReduceKind.Max => TensorPrimitives.Max(row),
                    _ => TensorPrimitives.Min(row),
                };
            }

            return;
        }

        for (int o = 0; o < outer; o++)
        {
            Span<T> acc = destination.Slice(o * inner, inner);
            ReadOnlySpan<T> block = x.Slice(o * n * inner, n * inner);
            block[..inner].CopyTo(acc);
            for (int j = 1; j < n; j++)
            {
                ReadOnlySpan<T> row = block.Slice(j * inner, inner);
                switch (kind)
                {
                    case ReduceKind.Sum:
                        TensorPrimitives.Add(acc, row, acc);
                        break;
                    case ReduceKind.Max:
                        TensorPrimitives.Max(acc, row, acc);
                        break;
                    default:
                        TensorPrimitives.Min(acc, row, acc);
                        break;
                }
            }
        }
    }
}
