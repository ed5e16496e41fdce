using System.Globalization;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Indexing;

/// <summary>
/// Reads index tensors (float tensors holding exact integers, as ArgMax returns them) into validated <c>int</c>
/// arrays, with errors naming the op, the offending index and the axis size.
/// </summary>
internal static class IndexValues
{
    /// <summary>Converts and range-checks every index against [0, <paramref name="size"/>).</summary>
    /// <exception cref="ArgumentException">An index is not a whole number.</exception>
    /// <exception cref="IndexOutOfRangeException">An index is outside [0, size); the message names it, the axis and its size.</exception>
    public static int[] Read(string op, Tensor indices, int axis, int size) => Read(op, indices, size, $"axis {axis} of size {size}");

    /// <summary>Converts and range-checks every index against [0, <paramref name="size"/>); <paramref name="range"/> describes that range in errors.</summary>
    /// <exception cref="ArgumentException">An index is not a whole number.</exception>
    /// <exception cref="IndexOutOfRangeException">An index is outside [0, size).</exception>
    public static int[] Read(string op, Tensor indices, int size, string range) =>
        indices.DType == DType.Float32 ? Read<float>(op, indices, indices.AsSpan<float>(), size, range) : Read<double>(op, indices, indices.AsSpan<double>(), size, range);

    private static int[] Read<T>(string op, Tensor indices, ReadOnlySpan<T> values, int size, string range)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var result = new int[values.Length];
        T upper = T.CreateTruncating(size);
        for (int i = 0; i < result.Length; i++)
        {
            T v = values[i];
            if (v >= T.Zero && v < upper && T.IsInteger(v))
            {
                result[i] = int.CreateTruncating(v);
                continue;
            }

            double d = double.CreateTruncating(v);
            if (!T.IsInteger(v))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{op}: index {d} at flat position {i} of the indices {indices.Shape} is not a whole number; indices must hold exact integers."));
            }

            throw new IndexOutOfRangeException(string.Create(CultureInfo.InvariantCulture,
                $"{op}: index {d} at flat position {i} of the indices {indices.Shape} is out of range for {range} (valid: 0..{size - 1})."));
        }

        return result;
    }
}
