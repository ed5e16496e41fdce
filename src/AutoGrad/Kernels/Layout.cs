namespace AutoGrad.Kernels;

/// <summary>
/// Data movement without arithmetic (permute, strided slices and their adjoints, constant padding) on row-major
/// buffers. Axes are handled as (outer, extent, inner) blocks where possible so the inner loop is a contiguous copy.
/// </summary>
internal static class Layout
{
    /// <summary>
    /// destination = x with its axes reordered: output axis i is input axis <paramref name="axes"/>[i].
    /// </summary>
    public static void Permute<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> inputDims, ReadOnlySpan<int> axes, Span<T> destination)
        where T : unmanaged
    {
        int rank = inputDims.Length;
        if (destination.Length == 0)
        {
            return;
        }

        if (rank == 0)
        {
            destination[0] = x[0];
            return;
        }

        // Strides of the input, read in output-axis order, so a walk over the output in row-major order can follow them.
        Span<int> inputStrides = stackalloc int[rank];
        for (int i = rank - 1, s = 1; i >= 0; i--)
        {
            inputStrides[i] = s;
            s *= inputDims[i];
        }

        Span<int> dims = stackalloc int[rank];
        Span<int> strides = stackalloc int[rank];
        for (int i = 0; i < rank; i++)
        {
            dims[i] = inputDims[axes[i]];
            strides[i] = inputStrides[axes[i]];
        }

        Span<int> counter = stackalloc int[rank];
        int last = dims[rank - 1], lastStride = strides[rank - 1];
        int offset = 0;
        for (int o = 0; o < destination.Length; o += last)
        {
            Span<T> row = destination.Slice(o, last);
            if (lastStride == 1)
            {
                x.Slice(offset, last).CopyTo(row);
            }
            else
            {
                for (int j = 0, src = offset; j < row.Length; j++, src += lastStride)
                {
                    row[j] = x[src];
                }
            }

            // Odometer over every axis but the last.
            for (int axis = rank - 2; axis >= 0; axis--)
            {
                offset += strides[axis];
                if (++counter[axis] < dims[axis])
                {
                    break;
                }

                offset -= strides[axis] * dims[axis];
                counter[axis] = 0;
            }
        }
    }

    /// <summary>
    /// For x viewed as (outer, extent, inner): destination (outer, count, inner) takes positions start, start+step, …
    /// along the middle axis.
    /// </summary>
    public static void StridedSelect<T>(ReadOnlySpan<T> x, Span<T> destination, int outer, int extent, int inner, int start, int step, int count)
        where T : unmanaged
    {
        if (step == 1)
        {
            // Consecutive positions are one run of count·inner elements per outer block: one copy, not one per position
            // (slicing the last axis has inner = 1, where a copy per element cost an LSTM most of its gate slicing time).
            int run = count * inner;
            for (int o = 0; o < outer; o++)
            {
                x.Slice(((o * extent) + start) * inner, run).CopyTo(destination.Slice(o * run, run));
            }

            return;
        }

        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < count; j++)
            {
                int source = (((o * extent) + start + (j * step)) * inner);
                x.Slice(source, inner).CopyTo(destination.Slice(((o * count) + j) * inner, inner));
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="StridedSelect{T}"/>: destination (outer, extent, inner) is zero except at positions
    /// start, start+step, … along the middle axis, which receive x (outer, count, inner).
    /// </summary>
    public static void StridedPlace<T>(ReadOnlySpan<T> x, Span<T> destination, int outer, int extent, int inner, int start, int step, int count)
        where T : unmanaged
    {
        if (step == 1)
        {
            // One run per outer block, as in StridedSelect, with only the positions around it cleared: every element is
            // written once (the op declares that it writes them all).
            int run = count * inner;
            for (int o = 0; o < outer; o++)
            {
                Span<T> block = destination.Slice(o * extent * inner, extent * inner);
                block[..(start * inner)].Clear();
                x.Slice(o * run, run).CopyTo(block.Slice(start * inner, run));
                block[((start * inner) + run)..].Clear();
            }

            return;
        }

        destination.Clear();
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < count; j++)
            {
                int target = ((o * extent) + start + (j * step)) * inner;
                x.Slice(((o * count) + j) * inner, inner).CopyTo(destination.Slice(target, inner));
            }
        }
    }

    /// <summary>
    /// destination = x surrounded by <paramref name="value"/>: along axis d, <paramref name="before"/>[d] positions
    /// precede the input and the rest of the destination extent follows it.
    /// </summary>
    public static void Pad<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> inputDims, ReadOnlySpan<int> outputDims, ReadOnlySpan<int> before, T value, Span<T> destination)
        where T : unmanaged
    {
        destination.Fill(value);
        int rank = inputDims.Length;
        if (x.Length == 0)
        {
            return;
        }

        if (rank == 0)
        {
            destination[0] = x[0];
            return;
        }

        Span<int> outStrides = stackalloc int[rank];
        for (int i = rank - 1, s = 1; i >= 0; i--)
        {
            outStrides[i] = s;
            s *= outputDims[i];
        }

        int offset = 0;
        for (int i = 0; i < rank; i++)
        {
            offset += before[i] * outStrides[i];
        }

        Span<int> counter = stackalloc int[rank];
        int last = inputDims[rank - 1];
        for (int i = 0; i < x.Length; i += last)
        {
            x.Slice(i, last).CopyTo(destination.Slice(offset, last));
            for (int axis = rank - 2; axis >= 0; axis--)
            {
                offset += outStrides[axis];
                if (++counter[axis] < inputDims[axis])
                {
                    break;
                }

                offset -= outStrides[axis] * inputDims[axis];
                counter[axis] = 0;
            }
        }
    }

    /// <summary>The product of the dimensions before <paramref name="axis"/> and after it.</summary>
    public static (int Outer, int Inner) Blocks(ReadOnlySpan<int> dims, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++)
        {
            outer *= dims[i];
        }

        for (int i = axis + 1; i < dims.Length; i++)
        {
            inner *= dims[i];
        }

        return (outer, inner);
    }
}
