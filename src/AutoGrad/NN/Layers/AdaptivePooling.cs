using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// Global average pooling over the spatial axes of an NCHW input: <c>[N, C, H, W]</c> → <c>[N, C]</c> (or
/// <c>[N, C, 1, 1]</c> with <c>keepDims</c>), y[n, c] = mean over h, w of x[n, c, h, w]. Keras'
/// <c>GlobalAveragePooling2D</c> with <c>data_format="channels_first"</c>; PyTorch's <c>AdaptiveAvgPool2d(1)</c>
/// followed by a flatten. A composition of <c>Mean</c>, so it has no derivative of its own.
/// </summary>
public sealed class GlobalAveragePooling2D(bool keepDims = false, string? name = null) : Layer(name)
{
    /// <summary>Whether the pooled axes are kept with size 1 (<c>[N, C, 1, 1]</c>).</summary>
    public bool KeepDims { get; } = keepDims;

    /// <inheritdoc/>
    protected override string DefaultName => "global_average_pooling2d";

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The input is not rank 4.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4)
        {
            throw new ArgumentException($"GlobalAveragePooling2D '{Name}': the input must be [N, C, H, W], got shape {input.Shape}.");
        }

        return input.Mean([2, 3], KeepDims);
    }
}

/// <summary>
/// Adaptive average pooling, PyTorch's <c>AdaptiveAvgPool2d</c>: an NCHW input <c>[N, C, H, W]</c> becomes
/// <c>[N, C, outH, outW]</c> whatever H and W are. Output row i averages input rows
/// [⌊i·H/outH⌋, ⌈(i + 1)·H/outH⌉) and output column j input columns [⌊j·W/outW⌋, ⌈(j + 1)·W/outW⌉), so bins may
/// overlap or differ in size by one when H is not a multiple of outH. An output larger than the input repeats
/// input cells. Built from <c>Slice</c>, <c>Mean</c> and <c>Concat</c> (rows first, then columns: a rectangle's mean is
/// the mean of its row means), so it has no derivative of its own.
/// </summary>
public sealed class AdaptiveAvgPool2D : Layer
{
    /// <summary>Pools to a square <c>outputSize × outputSize</c> grid.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not positive.</exception>
    public AdaptiveAvgPool2D(int outputSize, string? name = null)
        : this(outputSize, outputSize, name)
    {
    }

    /// <summary>Pools to an <c>outputHeight × outputWidth</c> grid.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public AdaptiveAvgPool2D(int outputHeight, int outputWidth, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputWidth);
        OutputHeight = outputHeight;
        OutputWidth = outputWidth;
    }

    /// <summary>The output height.</summary>
    public int OutputHeight { get; }

    /// <summary>The output width.</summary>
    public int OutputWidth { get; }

    /// <inheritdoc/>
    protected override string DefaultName => "adaptive_avg_pool2d";

    /// <summary>PyTorch's bin of output index <paramref name="i"/>: [⌊i·size/outSize⌋, ⌈(i + 1)·size/outSize⌉).</summary>
    internal static (int Start, int Stop) Bin(int i, int size, int outSize) =>
        ((int)((long)i * size / outSize), (int)((((long)(i + 1) * size) + outSize - 1) / outSize));

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The input is not rank 4 or has an empty spatial axis.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4 || input.Shape[2] == 0 || input.Shape[3] == 0)
        {
            throw new ArgumentException($"AdaptiveAvgPool2D '{Name}': the input must be [N, C, H, W] with H, W > 0, got shape {input.Shape}.");
        }

        Tensor rows = PoolAxis(input, 2, OutputHeight);
        return PoolAxis(rows, 3, OutputWidth);
    }

    private static Tensor PoolAxis(Tensor x, int axis, int outSize)
    {
        int size = x.Shape[axis];
        if (size == outSize)
        {
            return x;
        }

        var bins = new Tensor[outSize];
        for (int i = 0; i < outSize; i++)
        {
            var (start, stop) = Bin(i, size, outSize);
            bins[i] = x.Slice(axis, start, stop).Mean(axis, keepDims: true);
        }

        return outSize == 1 ? bins[0] : Tensor.Concat(bins, axis);
    }
}
