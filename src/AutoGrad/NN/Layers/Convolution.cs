using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// 2-D convolution over NCHW input, PyTorch's <c>Conv2d</c>: y = activation(conv2d(pad(x), kernel) + bias) with kernel
/// <c>[filters, inChannels/groups, kH, kW]</c> (PyTorch's layout, so weights exchange) and bias <c>[filters]</c>. The
/// input channel count is inferred on first call (parameters then take the input's dtype) unless given.
/// </summary>
/// <remarks>
/// Output size per axis: ⌊(L + before + after − dilation·(k − 1) − 1) / stride⌋ + 1. Padding is <c>"valid"</c> (none),
/// explicit amounts on both sides, or <c>"same"</c>: ⌈L / stride⌉ outputs, i.e. exactly L at stride 1 as in PyTorch;
/// at stride &gt; 1 (where PyTorch refuses <c>"same"</c>) it follows TensorFlow/Keras, padding
/// max((⌈L/s⌉ − 1)·s + d·(k − 1) + 1 − L, 0) in total with the odd element after (see <see cref="ConvPadding"/>).
/// <c>paddingMode</c> fills that padding with zeros, a reflection or the edge value (PyTorch's <c>padding_mode</c>);
/// uneven or non-zero padding runs as a separate <c>Pad</c> before an unpadded convolution.
/// </remarks>
public sealed class Conv2D : Layer, ILazilyBuilt
{
    private readonly Initializer kernelInitializer;
    private readonly Initializer biasInitializer;

    /// <summary>Creates the layer.</summary>
    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">Kernel size: one number for a square kernel or (kH, kW).</param>
    /// <param name="stride">Step between windows (1 when null): one number or (sH, sW).</param>
    /// <param name="padding"><c>"valid"</c> (when null), <c>"same"</c>, or elements added on both sides: one number or (pH, pW).</param>
    /// <param name="activation">Applied to the result; none when null.</param>
    /// <param name="useBias">Whether to add a per-channel bias.</param>
    /// <param name="kernelInitializer"><see cref="GlorotUniform"/> when null.</param>
    /// <param name="biasInitializer"><see cref="Zeros"/> when null.</param>
    /// <param name="inChannels">Input channels; when given, parameters are created now in float32.</param>
    /// <param name="dilation">Spacing between kernel taps (1 when null): one number or (dH, dW).</param>
    /// <param name="name">The layer name; <c>conv2d</c> when null.</param>
    /// <param name="groups">Channel groups; <c>groups == inChannels</c> is a depthwise convolution. Must divide both channel counts.</param>
    /// <param name="paddingMode">What fills the padding: zeros (the default), reflect or replicate.</param>
    /// <exception cref="ArgumentOutOfRangeException">filters, a kernel size, stride, dilation, groups or inChannels is not positive.</exception>
    /// <exception cref="ArgumentException">groups does not divide filters or inChannels.</exception>
    public Conv2D(int filters, Size2D kernelSize, Size2D? stride = null, ConvPadding? padding = null, Activation? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null, int? inChannels = null, Size2D? dilation = null, string? name = null,
        int groups = 1, PaddingMode paddingMode = PaddingMode.Zeros)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        Filters = filters;
        KernelSize = Positive(kernelSize, nameof(kernelSize));
        Stride = Positive(stride ?? 1, nameof(stride));
        Padding = padding ?? ConvPadding.Valid;
        Dilation = Positive(dilation ?? 1, nameof(dilation));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (filters % groups != 0)
        {
            throw new ArgumentException($"Conv2D: groups {groups} must divide filters {filters}.", nameof(groups));
        }

        if (paddingMode is not (PaddingMode.Zeros or PaddingMode.Reflect or PaddingMode.Replicate))
        {
            throw new ArgumentOutOfRangeException(nameof(paddingMode), paddingMode, "Conv2D: the padding mode must be Zeros, Reflect or Replicate.");
        }

        Groups = groups;
        PaddingMode = paddingMode;
        ActivationFunction = activation;
        UseBias = useBias;
        this.kernelInitializer = kernelInitializer ?? new GlorotUniform();
        this.biasInitializer = biasInitializer ?? new Zeros();
        if (inChannels is { } c)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(c, nameof(inChannels));
            Build(c, DType.Float32);
        }
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Kernel size (kH, kW).</summary>
    public Size2D KernelSize { get; }

    /// <summary>Step between windows (sH, sW).</summary>
    public Size2D Stride { get; }

    /// <summary>The padding: valid, same or explicit (pH, pW).</summary>
    public ConvPadding Padding { get; }

    /// <summary>Spacing between kernel taps (dH, dW).</summary>
    public Size2D Dilation { get; }

    /// <summary>Channel groups (1: an ordinary convolution).</summary>
    public int Groups { get; }

    /// <summary>What fills the padding.</summary>
    public PaddingMode PaddingMode { get; }

    /// <summary>The activation, or null.</summary>
    public Activation? ActivationFunction { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <inheritdoc/>
    bool ILazilyBuilt.IsBuilt => Kernel is not null;

    /// <summary>The kernel <c>[filters, inChannels/groups, kH, kW]</c>; null until built.</summary>
    public Tensor? Kernel { get; private set; }

    /// <summary>The bias <c>[filters]</c>; null until built or without bias.</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The input is not rank 4, its channels or dtype differ from the built layer's, or the kernel does not fit the padded input.</exception>
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
        else if (Kernel.Shape[1] * Groups != input.Shape[1])
        {
            throw new ArgumentException($"Conv2D '{Name}': the input has {input.Shape[1]} channels (shape {input.Shape}) but the kernel {Kernel.Type} with groups {Groups} expects {Kernel.Shape[1] * Groups}.");
        }

        if (Kernel!.DType != input.DType)
        {
            throw new ArgumentException(
                $"Conv2D '{Name}': the input is {input.Type} but the parameters are {Kernel.DType.ShortName()}; convert one (input.To(DType.{Kernel.DType}) or model.To(DType.{input.DType})).");
        }

        (int top, int bottom) = Padding.Resolve(input.Shape[2], KernelSize.Height, Stride.Height, Dilation.Height, Padding.Height);
        (int left, int right) = Padding.Resolve(input.Shape[3], KernelSize.Width, Stride.Width, Dilation.Width, Padding.Width);
        Tensor x = input;
        (int, int) symmetric = (top, left);
        if (PaddingMode != PaddingMode.Zeros || top != bottom || left != right)
        {
            // conv2d pads symmetrically with zeros; other modes and uneven "same" padding pad here instead.
            x = x.Pad([(0, 0), (0, 0), (top, bottom), (left, right)], PaddingMode);
            symmetric = (0, 0);
        }

        Tensor y = x.Conv2D(Kernel!, Bias, Stride.ToTuple(), symmetric, Dilation.ToTuple(), Groups);
        return ActivationFunction is null ? y : ActivationFunction.Apply(y);
    }

    internal static Size2D Positive(Size2D value, string name)
    {
        if (value.Height <= 0 || value.Width <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive on both axes.");
        }

        return value;
    }

    private void Build(int inChannels, DType dtype)
    {
        if (inChannels % Groups != 0)
        {
            throw new ArgumentException($"Conv2D '{Name}': groups {Groups} must divide the input channels {inChannels}.");
        }

        Kernel = kernelInitializer.CreateParameter([Filters, inChannels / Groups, KernelSize.Height, KernelSize.Width], dtype).RequireGrad();
        if (UseBias)
        {
            Bias = biasInitializer.CreateParameter([Filters], dtype).RequireGrad();
        }
    }
}

/// <summary>
/// 2-D max pooling over NCHW input, PyTorch's <c>MaxPool2d</c>: windows of <c>kernelSize</c> (one number or (kH, kW)),
/// stride the window size unless given, padding that never wins, and <c>ceilMode</c> (see <see cref="Tensor.MaxPool2D(int, int?, int, bool)"/>).
/// </summary>
public sealed class MaxPool2D(Size2D kernelSize, Size2D? stride = null, Size2D? padding = null, bool ceilMode = false, string? name = null) : Layer(name)
{
    /// <summary>Window size (kH, kW).</summary>
    public Size2D KernelSize { get; } = kernelSize;

    /// <summary>Step between windows (the window size when null).</summary>
    public Size2D? Stride { get; } = stride;

    /// <summary>Padding on each side (pH, pW).</summary>
    public Size2D Padding { get; } = padding ?? 0;

    /// <summary>Whether the output size rounds up (PyTorch's <c>ceil_mode</c>).</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.MaxPool2D(KernelSize.ToTuple(), Stride?.ToTuple(), Padding.ToTuple(), CeilMode);
}

/// <summary>
/// 2-D average pooling over NCHW input, PyTorch's <c>AvgPool2d</c>: windows of <c>kernelSize</c> (one number or
/// (kH, kW)), stride the window size unless given, zero padding, <c>ceilMode</c> and <c>countIncludePad</c> (see
/// <see cref="Tensor.AvgPool2D(int, int?, int, bool, bool)"/>).
/// </summary>
public sealed class AvgPool2D(Size2D kernelSize, Size2D? stride = null, Size2D? padding = null, bool ceilMode = false, bool countIncludePad = true, string? name = null) : Layer(name)
{
    /// <summary>Window size (kH, kW).</summary>
    public Size2D KernelSize { get; } = kernelSize;

    /// <summary>Step between windows (the window size when null).</summary>
    public Size2D? Stride { get; } = stride;

    /// <summary>Padding on each side (pH, pW).</summary>
    public Size2D Padding { get; } = padding ?? 0;

    /// <summary>Whether the output size rounds up (PyTorch's <c>ceil_mode</c>).</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <summary>Whether zero padding counts in each window's divisor (PyTorch's <c>count_include_pad</c>).</summary>
    public bool CountIncludePad { get; } = countIncludePad;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.AvgPool2D(KernelSize.ToTuple(), Stride?.ToTuple(), Padding.ToTuple(), CeilMode, CountIncludePad);
}
