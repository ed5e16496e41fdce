using AutoGrad.Ops.Optimizers;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Optimizers;

/// <summary>
/// Adagrad (Duchi et al., 2011), as in PyTorch: g ← g + λ·p; s ← s + g²; p ← p − η·g/(√s + ε), with s starting
/// at <c>initialAccumulatorValue</c>.
/// </summary>
public sealed class Adagrad : Optimizer
{
    /// <summary>Optimizes a list of parameters.</summary>
    public Adagrad(IEnumerable<Tensor> parameters, double learningRate = 0.01, double epsilon = 1e-10, double weightDecay = 0, double initialAccumulatorValue = 0)
        : base(parameters, learningRate) => (Epsilon, WeightDecay, InitialAccumulatorValue) = Validate(epsilon, weightDecay, initialAccumulatorValue);

    /// <summary>Optimizes every parameter of a model.</summary>
    public Adagrad(Layer model, double learningRate = 0.01, double epsilon = 1e-10, double weightDecay = 0, double initialAccumulatorValue = 0)
        : base(model, learningRate) => (Epsilon, WeightDecay, InitialAccumulatorValue) = Validate(epsilon, weightDecay, initialAccumulatorValue);

    private static (double, double, double) Validate(double epsilon, double weightDecay, double initialAccumulatorValue) =>
        (Hyperparameters.NonNegative(nameof(Adagrad), nameof(epsilon), epsilon), Hyperparameters.NonNegative(nameof(Adagrad), nameof(weightDecay), weightDecay),
         Hyperparameters.NonNegative(nameof(Adagrad), nameof(initialAccumulatorValue), initialAccumulatorValue));

    /// <summary>ε, added to √s.</summary>
    public double Epsilon { get; }

    /// <summary>λ, the L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>The starting value of the accumulator.</summary>
    public double InitialAccumulatorValue { get; }

    /// <inheritdoc/>
    public override string Name => "adagrad";

    /// <inheritdoc/>
    public override IReadOnlyList<string> SlotNames => ["sum"];

    /// <inheritdoc/>
    protected override Tensor CreateSlot(Tensor parameter) => Tensor.Full(parameter.Shape, InitialAccumulatorValue, parameter.DType);

    /// <inheritdoc/>
    protected override Op CreateUpdateOp() => new AdagradUpdateOp(Epsilon, WeightDecay);
}
