using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// 1-D convolution (cross-correlation, as in PyTorch) over <c>[B, C, L]</c> input:
/// y[b, f, l] = act(bias[f] + Σ_c Σ_k kernel[f, c, k] · x[b, c, l·stride + k·dilation − padding]), kernel
/// <c>[filters, inChannels/groups, kernelSize]</c> and bias <c>[filters]</c> — PyTorch's <c>Conv1d</c> layout, so weights
/// exchange. With <c>groups</c> &gt; 1 each group of filters sees only its own group of input channels (depthwise when
/// groups equals the input channels); <c>paddingMode</c> fills the padding with zeros, a reflection or the edge value
/// (PyTorch's <c>padding_mode</c>).
/// The input channel count is inferred on first call (parameters then take the input's dtype) unless given.
/// </summary>
/// <remarks>
/// Runs the conv2d op on the input viewed as <c>[B, C, 1, L]</c> with a <c>[filters, C, 1, k]</c> view of the kernel,
/// so it shares conv2d's kernels and gradient rules (first and second order) and needs none of its own.
/// </remarks>
public sealed class Conv1D : Layer, ILazilyBuilt
{
    private readonly Initializer kernelInitializer;
    private readonly Initializer biasInitializer;

    /// <summary>Creates the layer.</summary>
    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">Kernel length.</param>
    /// <param name="stride">Step between windows.</param>
    /// <param name="padding"><c>"valid"</c> (the default), <c>"same"</c>, or zeros added on each side (see <see cref="ConvPadding"/>).</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="activation">Applied to the result; none when null.</param>
    /// <param name="useBias">Whether to add a per-channel bias.</param>
    /// <param name="kernelInitializer"><see cref="GlorotUniform"/> when null (as Keras; fans from <c>[filters, inChannels, k]</c>).</param>
    /// <param name="biasInitializer"><see cref="Zeros"/> when null.</param>
    /// <param name="inChannels">Input channels; when given, parameters are created now in float32.</param>
    /// <param name="name">The layer name; <c>conv1d</c> when null.</param>
    /// <param name="groups">Channel groups; <c>groups == inChannels</c> is a depthwise convolution. Must divide both channel counts.</param>
    /// <param name="paddingMode">What fills the padding: zeros (the default), reflect or replicate.</param>
    /// <exception cref="ArgumentOutOfRangeException">filters, kernelSize, stride, dilation, groups or inChannels is not positive, or the padding mode is not one of the three.</exception>
    /// <exception cref="ArgumentException">groups does not divide filters or inChannels.</exception>
    public Conv1D(int filters, int kernelSize, int stride = 1, ConvPadding? padding = null, int dilation = 1, Activation? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null, int? inChannels = null, string? name = null,
        int groups = 1, PaddingMode paddingMode = PaddingMode.Zeros)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dilation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (filters % groups != 0)
        {
            throw new ArgumentException($"Conv1D: groups {groups} must divide filters {filters}.", nameof(groups));
        }

        if (paddingMode is not (PaddingMode.Zeros or PaddingMode.Reflect or PaddingMode.Replicate))
        {
            throw new ArgumentOutOfRangeException(nameof(paddingMode), paddingMode, "Conv1D: the padding mode must be Zeros, Reflect or Replicate.");
        }

        Groups = groups;
        PaddingMode = paddingMode;
        Filters = filters;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding ?? ConvPadding.Valid;
        Dilation = dilation;
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

    /// <summary>Kernel length.</summary>
    public int KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public int Stride { get; }

    /// <summary>The padding (explicit amounts use <see cref="ConvPadding.Width"/>).</summary>
    public ConvPadding Padding { get; }

    /// <summary>Spacing between kernel taps.</summary>
    public int Dilation { get; }

    /// <summary>The activation, or null.</summary>
    public Activation? ActivationFunction { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>Channel groups (1: an ordinary convolution).</summary>
    public int Groups { get; }

    /// <summary>What fills the padding.</summary>
    public PaddingMode PaddingMode { get; }

    /// <inheritdoc/>
    bool ILazilyBuilt.IsBuilt => Kernel is not null;

    /// <summary>The kernel <c>[filters, inChannels/groups, kernelSize]</c>; null until built.</summary>
    public Tensor? Kernel { get; private set; }

    /// <summary>The bias <c>[filters]</c>; null until built or without bias.</summary>
    public Tensor? Bias { get; private set; }

    /// <summary>Convolves <c>[B, C, L]</c> to <c>[B, filters, L']</c> with L' = ⌊(L + before + after − dilation·(k − 1) − 1) / stride⌋ + 1.</summary>
    /// <exception cref="ArgumentException">The input is not rank 3, its channels or dtype differ from the built layer's, or the kernel does not fit.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 3)
        {
            throw new ArgumentException($"Conv1D '{Name}': the input must be [batch, channels, length] (rank 3), got shape {input.Shape}.", nameof(input));
        }

        if (Kernel is null)
        {
            Build(input.Shape[1], input.DType);
            MarkBuilt();
        }
        else if (Kernel.Shape[1] * Groups != input.Shape[1])
        {
            throw new ArgumentException(
                $"Conv1D '{Name}': the input has {input.Shape[1]} channels (shape {input.Shape}) but the kernel {Kernel.Type} with groups {Groups} expects {Kernel.Shape[1] * Groups}.", nameof(input));
        }

        if (Kernel!.DType != input.DType)
        {
            throw new ArgumentException(
                $"Conv1D '{Name}': the input is {input.Type} but the parameters are {Kernel.DType.ShortName()}; convert one (input.To(DType.{Kernel.DType}) or model.To(DType.{input.DType})).", nameof(input));
        }

        int batch = input.Shape[0], channels = input.Shape[1];
        Tensor x = input.Reshape(batch, channels, 1, input.Shape[2]);
        (int before, int after) = Padding.Resolve(input.Shape[2], KernelSize, Stride, Dilation, Padding.Width);
        int symmetric = before;
        if (PaddingMode != PaddingMode.Zeros || before != after)
        {
            // conv2d pads symmetrically with zeros; other modes and an uneven "same" padding pad here instead.
            x = x.Pad([(0, 0), (0, 0), (0, 0), (before, after)], PaddingMode);
            symmetric = 0;
        }

        Tensor weight = Kernel.Reshape(Filters, channels / Groups, 1, KernelSize);
        Tensor y = x.Conv2D(weight, Bias, (1, Stride), (0, symmetric), (1, Dilation), Groups);
        y = y.Reshape(batch, Filters, y.Shape[3]);
        return ActivationFunction is null ? y : ActivationFunction.Apply(y);
    }

    private void Build(int inChannels, DType dtype)
    {
        if (inChannels % Groups != 0)
        {
            throw new ArgumentException($"Conv1D '{Name}': groups {Groups} must divide the input channels {inChannels}.");
        }

        Kernel = kernelInitializer.CreateParameter([Filters, inChannels / Groups, KernelSize], dtype).RequireGrad();
        if (UseBias)
        {
            Bias = biasInitializer.CreateParameter([Filters], dtype).RequireGrad();
        }
    }
}
