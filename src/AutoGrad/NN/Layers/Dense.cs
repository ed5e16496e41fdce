using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// A fully connected layer: y = activation(x·kernel + bias), kernel <c>[inputSize, units]</c>, bias <c>[units]</c>.
/// The input size is inferred from the last axis of the first input (Keras style) unless given; parameters are
/// then created in the input's dtype, so a float64 input gives a float64 layer (for <c>GradCheck</c>).
/// </summary>
public sealed class Dense : Layer, ILazilyBuilt
{
    private readonly Initializer kernelInitializer;
    private readonly Initializer biasInitializer;

    /// <summary>Creates the layer.</summary>
    /// <param name="units">Output features.</param>
    /// <param name="activation">Applied to the affine result; none (linear) when null. Accepts names like <c>"relu"</c>.</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer"><see cref="GlorotUniform"/> when null.</param>
    /// <param name="biasInitializer"><see cref="Zeros"/> when null.</param>
    /// <param name="inputSize">Input features; when given, parameters are created now in float32.</param>
    /// <param name="name">The layer name; <c>dense</c> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">units or inputSize is not positive.</exception>
    public Dense(int units, Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null,
        Initializer? biasInitializer = null, int? inputSize = null, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        Units = units;
        ActivationFunction = activation;
        UseBias = useBias;
        this.kernelInitializer = kernelInitializer ?? new GlorotUniform();
        this.biasInitializer = biasInitializer ?? new Zeros();
        if (inputSize is { } size)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
            Build(size, DType.Float32);
        }
    }

    /// <summary>Output features.</summary>
    public int Units { get; }

    /// <summary>The activation, or null for none.</summary>
    public Activation? ActivationFunction { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <inheritdoc/>
    bool ILazilyBuilt.IsBuilt => Kernel is not null;

    /// <summary>The weight matrix <c>[inputSize, units]</c>; null until built.</summary>
    public Tensor? Kernel { get; private set; }

    /// <summary>The bias <c>[units]</c>; null until built or when <see cref="UseBias"/> is false.</summary>
    public Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank < 2)
        {
            throw new ArgumentException($"Dense '{Name}': the input must have a batch axis and a feature axis, got shape {input.Shape}.");
        }

        if (Kernel is null)
        {
            Build(input.Shape[-1], input.DType);
            MarkBuilt();
        }
        else if (Kernel.Shape[0] != input.Shape[-1])
        {
            throw new ArgumentException(
                $"Dense '{Name}': the input has {input.Shape[-1]} features (shape {input.Shape}) but the layer was built for {Kernel.Shape[0]} (kernel {Kernel.Type}).");
        }

        if (Kernel!.DType != input.DType)
        {
            throw new ArgumentException(
                $"Dense '{Name}': the input is {input.Type} but the parameters are {Kernel.DType.ShortName()}; convert one (input.To(DType.{Kernel.DType}) or model.To(DType.{input.DType})).");
        }

        // Inputs with extra leading axes ([B, T, F]) are one [B·T, F] product, so the kernel's gradient is a single
        // matrix product too rather than a batched product summed over B.
        Tensor y = input.Rank == 2
            ? input.MatMul(Kernel!)
            : input.Reshape(-1, input.Shape[-1]).MatMul(Kernel!).Reshape([.. input.Shape.ToArray()[..^1], Units]);
        if (Bias is not null)
        {
            y = y + Bias;
        }

        return ActivationFunction is null ? y : ActivationFunction.Apply(y);
    }

    private void Build(int inputSize, DType dtype)
    {
        Kernel = kernelInitializer.CreateParameter([inputSize, Units], dtype).RequireGrad();
        if (UseBias)
        {
            Bias = biasInitializer.CreateParameter([Units], dtype).RequireGrad();
        }
    }
}
