using System.Globalization;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Indexing;

/// <summary>The checks every op that takes indices or class labels shares: their dtype (integer) and range.</summary>
internal static class IndexValues
{
    /// <summary>Whether <paramref name="dtype"/> can hold indices: <see cref="DType.Int64"/> or <see cref="DType.Int32"/> (as PyTorch).</summary>
    public static bool IsIndexDType(DType dtype) => dtype is DType.Int64 or DType.Int32;

    /// <summary>Refuses indices or labels that are not Int64/Int32, saying how to convert them.</summary>
    /// <exception cref="ArgumentException">The dtype is not an index dtype.</exception>
    public static void CheckDType(string op, TensorType indices, string what = "indices")
    {
        if (!IsIndexDType(indices.DType))
        {
            string variable = what == "labels" ? "labels" : "indices";
            throw new ArgumentException(
                $"{op}: the {what} are {indices}, but {what} must be an Int64 or Int32 tensor (as in PyTorch). " +
                (indices.DType.IsFloatingPoint()
                    ? $"Convert whole-number floats with {variable}.To(DType.Int64), or take {variable} from ArgMax, which is already Int64."
                    : $"Convert them with {variable}.To(DType.Int64)."));
        }
    }

    // Read runs in every forward of an indexing op, compiled steps included, which must not allocate: the converted
    // indices live in a per-thread buffer, valid until the next Read on the same thread (each caller uses them at once).
    [ThreadStatic]
    private static int[]? scratch;

    /// <summary>The indices as ints, checked to lie in [0, size) of the given axis; valid until the next Read on this thread.</summary>
    /// <exception cref="IndexOutOfRangeException">An index is negative or not below <paramref name="size"/>.</exception>
    public static ReadOnlySpan<int> Read(string op, Tensor indices, int axis, int size) => ReadChecked(op, indices, size, axis);

    /// <summary>Class labels as ints, checked to lie in [0, classes); valid until the next Read on this thread.</summary>
    /// <exception cref="IndexOutOfRangeException">A label is negative or not below <paramref name="classes"/>.</exception>
    public static ReadOnlySpan<int> ReadClasses(string op, Tensor labels, int classes) => ReadChecked(op, labels, classes, axis: null);

    private static ReadOnlySpan<int> ReadChecked(string op, Tensor indices, int size, int? axis)
    {
        CheckDType(op, indices.Type);
        int count = indices.Size;
        Span<int> result = Kernels.ThreadScratch.Grow(ref scratch, count).AsSpan(0, count);
        if (indices.DType == DType.Int32)
        {
            ReadOnlySpan<int> narrow = indices.AsSpan<int>();
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = Checked(op, indices, i, narrow[i], size, axis);
            }
        }
        else
        {
            ReadOnlySpan<long> wide = indices.AsSpan<long>();
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = Checked(op, indices, i, wide[i], size, axis);
            }
        }

        return result;
    }

    private static int Checked(string op, Tensor indices, int position, long value, int size, int? axis)
    {
        if ((ulong)value < (ulong)size)
        {
            return (int)value;
        }

        string range = axis is { } a ? $"axis {a} of size {size}" : $"{size} classes";
        throw new IndexOutOfRangeException(string.Create(CultureInfo.InvariantCulture,
            $"{op}: index {value} at flat position {position} of the indices {indices.Shape} is out of range for {range} (valid: 0..{size - 1})."));
    }
}
