using AutoGrad.Tensors;

namespace AutoGrad.Kernels;

/// <summary>How a broadcast input maps to output positions.</summary>
internal enum BroadcastGatherKind
{
    /// <summary>Same number of elements: position i reads element i.</summary>
    Full,

    /// <summary>One element read everywhere.</summary>
    Scalar,

    /// <summary>Leading axes broadcast (a bias row): position i reads i mod size.</summary>
    Periodic,

    /// <summary>Trailing axes broadcast (a kept-dims column): position i reads i / inner.</summary>
    Repeat,

    /// <summary>Any other pattern: an odometer over the output axes with zero strides on broadcast axes.</summary>
    General,
}

/// <summary>Reads runs of a (possibly broadcast) input in output order; allocates only in its constructor.</summary>
internal sealed class BroadcastGather
{
    private readonly int period;
    private readonly int inner;
    private readonly int[] outputDims = [];
    private readonly int[] inputStrides = [];
    private readonly int[] index = [];

    public BroadcastGather(Shape input, Shape output)
    {
        int outputSize = output.Size;
        if (input.Size == outputSize)
        {
            Kind = BroadcastGatherKind.Full;
            return;
        }

        if (input.Size == 1)
        {
            Kind = BroadcastGatherKind.Scalar;
            return;
        }

        int rank = output.Rank;
        var padded = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            padded[i] = i < rank - input.Rank ? 1 : input[i - (rank - input.Rank)];
        }

        // Periodic: leading axes broadcast, trailing axes full (a bias row). Repeat: leading full, trailing broadcast (a kept-dims column).
        int firstFull = 0;
        while (firstFull < rank && padded[firstFull] == 1 && output[firstFull] != 1)
        {
            firstFull++;
        }

        bool periodic = true;
        for (int i = firstFull; i < rank; i++)
        {
            periodic &= padded[i] == output[i];
        }

        if (periodic)
        {
            Kind = BroadcastGatherKind.Periodic;
            period = input.Size;
            return;
        }

        int lastFull = rank;
        while (lastFull > 0 && padded[lastFull - 1] == 1)
        {
            lastFull--;
        }

        bool repeat = true;
        for (int i = 0; i < lastFull; i++)
        {
            repeat &= padded[i] == output[i];
        }

        if (repeat)
        {
            Kind = BroadcastGatherKind.Repeat;
            inner = outputSize / input.Size;
            return;
        }

        Kind = BroadcastGatherKind.General;
        outputDims = output.ToArray();
        inputStrides = new int[rank];
        index = new int[rank];
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            inputStrides[i] = padded[i] == 1 ? 0 : stride;
            stride *= padded[i];
        }
    }

    public BroadcastGatherKind Kind { get; }

    public void Read<T>(ReadOnlySpan<T> x, int start, Span<T> destination)
    {
        int length = destination.Length;
        switch (Kind)
        {
            case BroadcastGatherKind.Scalar:
                destination.Fill(x[0]);
                break;
            case BroadcastGatherKind.Full:
                x.Slice(start, length).CopyTo(destination);
                break;
            case BroadcastGatherKind.Periodic:
                for (int done = 0, position = start % period; done < length; position = 0)
                {
                    int run = Math.Min(period - position, length - done);
                    x.Slice(position, run).CopyTo(destination.Slice(done, run));
                    done += run;
                }

                break;
            case BroadcastGatherKind.Repeat:
                for (int done = 0, position = start; done < length;)
                {
                    int run = Math.Min(inner - (position % inner), length - done);
                    destination.Slice(done, run).Fill(x[position / inner]);
                    done += run;
                    position += run;
                }

                break;
            default:
                ReadGeneral(x, start, destination);
                break;
        }
    }

    private void ReadGeneral<T>(ReadOnlySpan<T> x, int start, Span<T> destination)
    {
        int offset = 0;
        int rest = start;
        for (int i = outputDims.Length - 1; i >= 0; i--)
        {
            index[i] = rest % outputDims[i];
            rest /= outputDims[i];
            offset += index[i] * inputStrides[i];
        }

        for (int e = 0; e < destination.Length; e++)
        {
            destination[e] = x[offset];
            for (int i = outputDims.Length - 1; i >= 0; i--)
            {
                index[i]++;
                offset += inputStrides[i];
                if (index[i] < outputDims[i])
                {
                    break;
                }

                offset -= inputStrides[i] * index[i];
                index[i] = 0;
            }
        }
    }
}
