using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad.Kernels;

/// <summary>
/// Index-driven reads and their adjoints (accumulating writes) on row-major buffers. Indices arrive as validated
/// <c>int</c> arrays; the ops convert and range-check the float index tensors before calling in.
/// </summary>
internal static class Indexing
{
    /// <summary>destination[p] = x[p with p[axis] replaced by index[p]], for every position p of the index shape.</summary>
    public static void Gather<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> inputDims, ReadOnlySpan<int> index, ReadOnlySpan<int> indexDims, int axis, Span<T> destination)
        where T : unmanaged
    {
        if (SameOffAxis(indexDims, inputDims, axis))
        {
            (int outer, int inner) = Layout.Blocks(indexDims, axis);
            int count = indexDims[axis], extent = inputDims[axis];
            for (int o = 0, i = 0; o < outer; o++)
            {
                for (int j = 0; j < count; j++)
                {
                    for (int k = 0; k < inner; k++, i++)
                    {
                        destination[i] = x[(((o * extent) + index[i]) * inner) + k];
                    }
                }
            }

            return;
        }

        int rank = indexDims.Length;
        Span<int> strides = stackalloc int[rank];
        RowMajorStrides(inputDims, strides);
        Span<int> counter = stackalloc int[rank];
        int offset = 0;
        for (int i = 0; i < index.Length; i++)
        {
            destination[i] = x[offset + (index[i] * strides[axis])];
            Advance(indexDims, strides, axis, counter, ref offset);
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Gather{T}"/>: destination (of <paramref name="targetDims"/>) starts at zero and
    /// destination[p with p[axis] replaced by index[p]] += source[p] for every position p of the index shape.
    /// </summary>
    public static void ScatterAdd<T>(ReadOnlySpan<T> source, ReadOnlySpan<int> index, ReadOnlySpan<int> indexDims, int axis, ReadOnlySpan<int> targetDims, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        destination.Clear();
        if (SameOffAxis(indexDims, targetDims, axis))
        {
            (int outer, int inner) = Layout.Blocks(indexDims, axis);
            int count = indexDims[axis], extent = targetDims[axis];
            for (int o = 0, i = 0; o < outer; o++)
            {
                for (int j = 0; j < count; j++)
                {
                    for (int k = 0; k < inner; k++, i++)
                    {
                        destination[(((o * extent) + index[i]) * inner) + k] += source[i];
                    }
                }
            }

            return;
        }

        int rank = indexDims.Length;
        Span<int> strides = stackalloc int[rank];
        RowMajorStrides(targetDims, strides);
        Span<int> counter = stackalloc int[rank];
        int offset = 0;
        for (int i = 0; i < index.Length; i++)
        {
            destination[offset + (index[i] * strides[axis])] += source[i];
            Advance(indexDims, strides, axis, counter, ref offset);
        }
    }

    /// <summary>For x viewed as (outer, extent, inner): destination (outer, index.Length, inner) takes the listed positions.</summary>
    public static void Select<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> index, Span<T> destination, int outer, int extent, int inner)
        where T : unmanaged
    {
        int count = index.Length;
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < count; j++)
            {
                x.Slice(((o * extent) + index[j]) * inner, inner).CopyTo(destination.Slice(((o * count) + j) * inner, inner));
            }
        }
    }

    /// <summary>The adjoint of <see cref="Select{T}"/>: destination (outer, extent, inner) starts at zero and accumulates each selected block.</summary>
    public static void AddAt<T>(ReadOnlySpan<T> source, ReadOnlySpan<int> index, Span<T> destination, int outer, int extent, int inner)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        destination.Clear();
        int count = index.Length;
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < count; j++)
            {
                Span<T> target = destination.Slice(((o * extent) + index[j]) * inner, inner);
                TensorPrimitives.Add(target, source.Slice(((o * count) + j) * inner, inner), target);
            }
        }
    }

    // The common case (pooling, losses): the index covers the other tensor fully on every axis but the gathered one.
    private static bool SameOffAxis(ReadOnlySpan<int> indexDims, ReadOnlySpan<int> otherDims, int axis)
    {
        for (int d = 0; d < indexDims.Length; d++)
        {
            if (d != axis && indexDims[d] != otherDims[d])
            {
                return false;
            }
        }

        return true;
    }

    private static void RowMajorStrides(ReadOnlySpan<int> dims, Span<int> strides)
    {
        for (int i = dims.Length - 1, s = 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= dims[i];
        }
    }

    // Moves to the next position of the index shape, tracking the offset into the other tensor without the axis term.
    private static void Advance(ReadOnlySpan<int> indexDims, ReadOnlySpan<int> strides, int axis, Span<int> counter, ref int offset)
    {
        for (int d = indexDims.Length - 1; d >= 0; d--)
        {
            int step = d == axis ? 0 : strides[d];
            offset += step;
            if (++counter[d] < indexDims[d])
            {
                return;
            }

            offset -= step * indexDims[d];
            counter[d] = 0;
        }
    }
}
