using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// 2-D convolution over NCHW input: y = activation(conv2d(x, kernel) + bias) with kernel
/// <c>[filters, inChannels, k, k]</c> and bias <c>[filters]</c>. The input channel count is inferred on first call
/// (parameters then take the input's dtype) unless given.
/// </summary>
public sealed class Conv2D : Layer, ILazilyBuilt
{
    private readonly Initializer kernelInitializer;
    private readonly Initializer biasInitializer;

    /// <summary>Creates the layer.</summary>
    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">Square kernel size.</param>
    /// <param name="stride">Step between windows.</param>
    /// <param name="padding">Zeros added on each side of height and width.</param>
    /// <param name="activation">Applied to the result; none when null.</param>
    /// <param name="useBias">Whether to add a per-channel bias.</param>
    /// <param name="kernelInitializer"><see cref="GlorotUniform"/> when null.</param>
    /// <param name="biasInitializer"><see cref="Zeros"/> when null.</param>
    /// <param name="inChannels">Input channels; when given, parameters are created now in float32.</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="name">The layer name; <c>conv2d</c> when null.</param>
    public Conv2D(int filters, int kernelSize, int stride = 1, int padding = 0, Activation? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null, int? inChannels = null, int dilation = 1, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        Filters = filters;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        ActivationFunction = activation;
        UseBias = useBias;
        this.kernelInitializer = kernelInitializer ?? new GlorotUniform();
        this.biasInitializer = biasInitializer ?? new Zeros();
        if (inChannels is { } c)
        {
            Build(c, DType.Float32);
        }
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Square kernel size.</summary>
    public int KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public int Stride { get; }

    /// <summary>Zero padding on each side.</summary>
    public int Padding { get; }

    /// <summary>Spacing between kernel taps.</summary>
    public int Dilation { get; }

    /// <summary>The activation, or null.</summary>
    public Activation? ActivationFunction { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <inheritdoc/>
    bool ILazilyBuilt.IsBuilt => Kernel is not null;

    /// <summary>The kernel <c>[filters, inChannels, k, k]</c>; null until built.</summary>
    public Tensor? Kernel { get; private set; }

    /// <summary>The bias <c>[filters]</c>; null until built or without bias.</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4)
        {
            throw new ArgumentException($"Conv2D '{Name}': the input must be NCHW (rank 4), got shape {input.Shape}.");
        }

        if (Kernel is null)
        {
            Build(input.Shape[1], input.DType);
            MarkBuilt();
        }
        else if (Kernel.Shape[1] != input.Shape[1])
        {
            throw new ArgumentException($"Conv2D '{Name}': the input has {input.Shape[1]} channels (shape {input.Shape}) but the kernel {Kernel.Type} expects {Kernel.Shape[1]}.");
        }

        if (Kernel!.DType != input.DType)
        {
            throw new ArgumentException(
                $"Conv2D '{Name}': the input is {input.Type} but the parameters are {Kernel.DType.ShortName()}; convert one (input.To(DType.{Kernel.DType}) or model.To(DType.{input.DType})).");
        }

        Tensor y = input.Conv2D(Kernel!, Bias, Stride, Padding, Dilation);
        return ActivationFunction is null ? y : ActivationFunction.Apply(y);
    }

    private void Build(int inChannels, DType dtype)
    {
        Kernel = kernelInitializer.Create([Filters, inChannels, KernelSize, KernelSize], dtype).RequireGrad();
        if (UseBias)
        {
            Bias = biasInitializer.Create([Filters], dtype).RequireGrad();
        }
    }
}

/// <summary>2-D max pooling over NCHW input with a square window (stride defaults to the window size).</summary>
public sealed class MaxPool2D(int kernelSize, int? stride = null, int padding = 0, string? name = null) : Layer(name)
{
    /// <summary>Window size.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>Step between windows (the window size when null).</summary>
    public int? Stride { get; } = stride;

    /// <summary>Padding on each side.</summary>
    public int Padding { get; } = padding;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.MaxPool2D(KernelSize, Stride, Padding);
}

/// <summary>2-D average pooling over NCHW input with a square window (stride defaults to the window size).</summary>
public sealed class AvgPool2D(int kernelSize, int? stride = null, int padding = 0, string? name = null) : Layer(name)
{
    /// <summary>Window size.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>Step between windows (the window size when null).</summary>
    public int? Stride { get; } = stride;

    /// <summary>Padding on each side.</summary>
    public int Padding { get; } = padding;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.AvgPool2D(KernelSize, Stride, Padding);
}
