using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>max(x, 0) as a layer.</summary>
public sealed class ReLU(string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    protected override string DefaultName => "relu";

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Relu();
}

/// <summary>x for x &gt; 0, slope·x otherwise, as a layer.</summary>
public sealed class LeakyReLU(double negativeSlope = 0.01, string? name = null) : Layer(name)
{
    /// <summary>The slope for negative inputs.</summary>
    public double NegativeSlope { get; } = negativeSlope;

    /// <inheritdoc/>
    protected override string DefaultName => "leaky_relu";

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.LeakyRelu(NegativeSlope);
}

/// <summary>1 / (1 + e^−x) as a layer.</summary>
public sealed class Sigmoid(string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Sigmoid();
}

/// <summary>tanh x as a layer.</summary>
public sealed class Tanh(string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Tanh();
}

/// <summary>Softmax along an axis (the last by default) as a layer.</summary>
public sealed class Softmax(int axis = -1, string? name = null) : Layer(name)
{
    /// <summary>The normalized axis.</summary>
    public int Axis { get; } = axis;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Softmax(Axis);
}

/// <summary>GELU as a layer.</summary>
public sealed class GELU(string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    protected override string DefaultName => "gelu";

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Gelu();
}

/// <summary>x for x &gt; 0, α(eˣ − 1) otherwise, as a layer.</summary>
public sealed class ELU(double alpha = 1.0, string? name = null) : Layer(name)
{
    /// <summary>α.</summary>
    public double Alpha { get; } = alpha;

    /// <inheritdoc/>
    protected override string DefaultName => "elu";

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Elu(Alpha);
}

/// <summary>Flattens every axis from <c>startAxis</c> on into one (keeps the batch axis by default).</summary>
public sealed class Flatten(int startAxis = 1, string? name = null) : Layer(name)
{
    /// <summary>The first flattened axis.</summary>
    public int StartAxis { get; } = startAxis;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Flatten(StartAxis);
}

/// <summary>
/// Reshapes each example to <paramref name="targetShape"/>, keeping the batch axis (Keras' <c>Reshape</c>): a
/// <c>[B, 784]</c> image batch becomes <c>[B, 28, 28]</c> rows for a sequence layer. One -1 is inferred.
/// </summary>
/// <param name="targetShape">The per-example shape, without the batch axis.</param>
/// <param name="name">The layer name; <c>reshape</c> when null.</param>
public sealed class Reshape(int[] targetShape, string? name = null) : Layer(name)
{
    private readonly int[] targetShape = (int[])(targetShape ?? throw new ArgumentNullException(nameof(targetShape))).Clone();

    /// <summary>The per-example shape, without the batch axis.</summary>
    public IReadOnlyList<int> TargetShape => targetShape;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank < 1)
        {
            throw new ArgumentException($"Reshape '{Name}': the input needs a batch axis, got shape {input.Shape}.");
        }

        return input.Reshape([input.Shape[0], .. targetShape]);
    }
}

/// <summary>
/// Inverted dropout: in training mode each element is zeroed with probability p and the rest scaled by 1/(1−p);
/// the identity in evaluation mode.
/// </summary>
public sealed class Dropout : Layer
{
    [NotTracked]
    private readonly Generator? generator;

    /// <summary>Creates the layer; with a seed it draws masks from its own generator (reproducible), else from <see cref="Generator.Default"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">p is outside [0, 1).</exception>
    public Dropout(double p = 0.5, long? seed = null, string? name = null)
        : base(name)
    {
        if (p is < 0 or >= 1 || double.IsNaN(p))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout: p must be in [0, 1).");
        }

        P = p;
        generator = seed is { } s ? new Generator(s) : null;
    }

    /// <summary>The drop probability.</summary>
    public double P { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Dropout(P, Training, generator);
}
