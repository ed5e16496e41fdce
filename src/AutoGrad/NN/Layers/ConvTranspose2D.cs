using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// 2-D transposed convolution over NCHW input, PyTorch's <c>ConvTranspose2d</c> (sometimes called deconvolution):
/// y = activation(conv_transpose2d(x, kernel) + bias) with kernel <c>[inChannels, filters/groups, kH, kW]</c> —
/// PyTorch's layout, input channels first — and bias <c>[filters]</c>. Output size per axis:
/// (L − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1, so with the same settings it undoes the shape
/// change of a <see cref="Conv2D"/>; <c>outputPadding</c> (smaller than the stride) picks among the input sizes that
/// such a convolution maps to the same output size. The input channel count is inferred on first call unless given.
/// </summary>
public sealed class ConvTranspose2D : Layer, ILazilyBuilt
{
    private readonly Initializer kernelInitializer;
    private readonly Initializer biasInitializer;

    /// <summary>Creates the layer.</summary>
    /// <param name="filters">Output channels.</param>
    /// <param name="kernelSize">Kernel size: one number or (kH, kW).</param>
    /// <param name="stride">Step between the input positions' windows in the output (1 when null).</param>
    /// <param name="padding">Output rows and columns trimmed from each side (0 when null), the padding of the convolution this transposes.</param>
    /// <param name="outputPadding">Extra rows and columns on the bottom and right (0 when null); smaller than the stride.</param>
    /// <param name="activation">Applied to the result; none when null.</param>
    /// <param name="useBias">Whether to add a per-channel bias.</param>
    /// <param name="kernelInitializer"><see cref="GlorotUniform"/> when null.</param>
    /// <param name="biasInitializer"><see cref="Zeros"/> when null.</param>
    /// <param name="inChannels">Input channels; when given, parameters are created now in float32.</param>
    /// <param name="groups">Channel groups; must divide both channel counts.</param>
    /// <param name="dilation">Spacing between kernel taps (1 when null).</param>
    /// <param name="name">The layer name; <c>conv_transpose2d</c> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, stride, dilation or groups is not positive, padding is negative, or outputPadding is not in [0, stride).</exception>
    /// <exception cref="ArgumentException">groups does not divide filters or inChannels.</exception>
    public ConvTranspose2D(int filters, Size2D kernelSize, Size2D? stride = null, Size2D? padding = null, Size2D? outputPadding = null,
        Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        int? inChannels = null, int groups = 1, Size2D? dilation = null, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        Filters = filters;
        KernelSize = Conv2D.Positive(kernelSize, nameof(kernelSize));
        Stride = Conv2D.Positive(stride ?? 1, nameof(stride));
        Dilation = Conv2D.Positive(dilation ?? 1, nameof(dilation));
        Padding = padding ?? 0;
        OutputPadding = outputPadding ?? 0;
        if (Padding.Height < 0 || Padding.Width < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(padding), Padding, "ConvTranspose2D: padding must be non-negative.");
        }

        if (OutputPadding.Height < 0 || OutputPadding.Width < 0 || OutputPadding.Height >= Stride.Height || OutputPadding.Width >= Stride.Width)
        {
            throw new ArgumentOutOfRangeException(nameof(outputPadding), OutputPadding, $"ConvTranspose2D: output padding must be non-negative and smaller than the stride {Stride}.");
        }

        if (filters % groups != 0)
        {
            throw new ArgumentException($"ConvTranspose2D: groups {groups} must divide filters {filters}.", nameof(groups));
        }

        Groups = groups;
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

    /// <summary>Stride (sH, sW).</summary>
    public Size2D Stride { get; }

    /// <summary>Padding (pH, pW) trimmed from each side of the output.</summary>
    public Size2D Padding { get; }

    /// <summary>Extra output rows and columns at the bottom and right.</summary>
    public Size2D OutputPadding { get; }

    /// <summary>Spacing between kernel taps (dH, dW).</summary>
    public Size2D Dilation { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>The activation, or null.</summary>
    public Activation? ActivationFunction { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <inheritdoc/>
    bool ILazilyBuilt.IsBuilt => Kernel is not null;

    /// <summary>The kernel <c>[inChannels, filters/groups, kH, kW]</c>; null until built.</summary>
    public Tensor? Kernel { get; private set; }

    /// <summary>The bias <c>[filters]</c>; null until built or without bias.</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    protected override string DefaultName => "conv_transpose2d";

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The input is not rank 4, or its channels or dtype differ from the built layer's.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4)
        {
            throw new ArgumentException($"ConvTranspose2D '{Name}': the input must be NCHW (rank 4), got shape {input.Shape}.");
        }

        if (Kernel is null)
        {
            Build(input.Shape[1], input.DType);
            MarkBuilt();
        }
        else if (Kernel.Shape[0] != input.Shape[1])
        {
            throw new ArgumentException($"ConvTranspose2D '{Name}': the input has {input.Shape[1]} channels (shape {input.Shape}) but the kernel {Kernel.Type} expects {Kernel.Shape[0]}.");
        }

        if (Kernel!.DType != input.DType)
        {
            throw new ArgumentException(
                $"ConvTranspose2D '{Name}': the input is {input.Type} but the parameters are {Kernel.DType.ShortName()}; convert one (input.To(DType.{Kernel.DType}) or model.To(DType.{input.DType})).");
        }

        Tensor y = input.ConvTranspose2D(Kernel!, Bias, Stride.ToTuple(), Padding.ToTuple(), OutputPadding.ToTuple(), Groups, Dilation.ToTuple());
        return ActivationFunction is null ? y : ActivationFunction.Apply(y);
    }

    private void Build(int inChannels, DType dtype)
    {
        if (inChannels % Groups != 0)
        {
            throw new ArgumentException($"ConvTranspose2D '{Name}': groups {Groups} must divide the input channels {inChannels}.");
        }

        Kernel = kernelInitializer.CreateParameter([inChannels, Filters / Groups, KernelSize.Height, KernelSize.Width], dtype).RequireGrad();
        if (UseBias)
        {
            Bias = biasInitializer.CreateParameter([Filters], dtype).RequireGrad();
        }
    }
}
