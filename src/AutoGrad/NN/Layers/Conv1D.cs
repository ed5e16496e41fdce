using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// 1-D convolution (cross-correlation, as in PyTorch) over <c>[B, C, L]</c> input:
/// y[b, f, l] = act(bias[f] + Σ_c Σ_k kernel[f, c, k] · x[b, c, l·stride + k·dilation − padding]), kernel
/// <c>[filters, inChannels, kernelSize]</c> and bias <c>[filters]</c> — PyTorch's <c>Conv1d</c> layout, so weights exchange.
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
    /// <exception cref="ArgumentOutOfRangeException">filters, kernelSize, stride, dilation or inChannels is not positive.</exception>
    public Conv1D(int filters, int kernelSize, int stride = 1, ConvPadding? padding = null, int dilation = 1, Activation? activation = null, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null, int? inChannels = null, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dilation);
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

    /// <inheritdoc/>
    bool ILazilyBuilt.IsBuilt => Kernel is not null;

    /// <summary>The kernel <c>[filters, inChannels, kernelSize]</c>; null until built.</summary>
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
        else if (Kernel.Shape[1] != input.Shape[1])
        {
            throw new ArgumentException($"Conv1D '{Name}': the input has {input.Shape[1]} channels (shape {input.Shape}) but the kernel {Kernel.Type} expects {Kernel.Shape[1]}.", nameof(input));
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
        if (before != after)
        {
            // conv2d pads symmetrically; an uneven "same" padding adds its zeros here instead.
            x = x.Pad([(0, 0), (0, 0), (0, 0), (before, after)]);
            symmetric = 0;
        }

        Tensor weight = Kernel.Reshape(Filters, channels, 1, KernelSize);
        Tensor y = x.Conv2D(weight, Bias, (1, Stride), (0, symmetric), (1, Dilation));
        y = y.Reshape(batch, Filters, y.Shape[3]);
        return ActivationFunction is null ? y : ActivationFunction.Apply(y);
    }

    private void Build(int inChannels, DType dtype)
    {
        Kernel = kernelInitializer.Create([Filters, inChannels, KernelSize], dtype).RequireGrad();
        if (UseBias)
        {
            Bias = biasInitializer.Create([Filters], dtype).RequireGrad();
        }
    }
}
