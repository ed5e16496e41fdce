using AutoGrad.Ops.Optimizers;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Optimizers;

/// <summary>
/// RMSprop (Hinton), as in PyTorch: g ← g + λ·p; v ← αv + (1 − α)g²; with momentum μ: b ← μb + g/(√v + ε),
/// p ← p − η·b; without: p ← p − η·g/(√v + ε). Centered (Graves, 2013): a ← αa + (1 − α)g and the denominator is
/// √(v − a²) + ε, as PyTorch's <c>centered=True</c>.
/// </summary>
public sealed class RmsProp : Optimizer
{
    /// <summary>Optimizes a list of parameters.</summary>
    public RmsProp(IEnumerable<Tensor> parameters, double learningRate = 0.01, double alpha = 0.99, double epsilon = 1e-8, double momentum = 0, double weightDecay = 0,
        bool centered = false)
        : base(parameters, learningRate) => ((Alpha, Epsilon, Momentum, WeightDecay), Centered) = (Validate(alpha, epsilon, momentum, weightDecay), centered);

    /// <summary>Optimizes every parameter of a model.</summary>
    public RmsProp(Layer model, double learningRate = 0.01, double alpha = 0.99, double epsilon = 1e-8, double momentum = 0, double weightDecay = 0,
        bool centered = false)
        : base(model, learningRate) => ((Alpha, Epsilon, Momentum, WeightDecay), Centered) = (Validate(alpha, epsilon, momentum, weightDecay), centered);

    private static (double, double, double, double) Validate(double alpha, double epsilon, double momentum, double weightDecay) =>
        (Hyperparameters.UnitOpen(nameof(RmsProp), nameof(alpha), alpha), Hyperparameters.NonNegative(nameof(RmsProp), nameof(epsilon), epsilon),
         Hyperparameters.Unit(nameof(RmsProp), nameof(momentum), momentum), Hyperparameters.NonNegative(nameof(RmsProp), nameof(weightDecay), weightDecay));

    /// <summary>α, the decay of the squared-gradient average.</summary>
    public double Alpha { get; }

    /// <summary>ε, added to √v.</summary>
    public double Epsilon { get; }

    /// <summary>μ (0 for none).</summary>
    public double Momentum { get; }

    /// <summary>λ, the L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the squared-gradient average is centered by the gradient average (slot <c>grad_avg</c>).</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    public override string Name => "rmsprop";

    /// <inheritdoc/>
    public override IReadOnlyList<string> SlotNames => (Momentum != 0, Centered) switch
    {
        (true, true) => ["square_avg", "momentum", "grad_avg"],
        (true, false) => ["square_avg", "momentum"],
        (false, true) => ["square_avg", "grad_avg"],
        _ => ["square_avg"],
    };

    /// <inheritdoc/>
    protected override Op CreateUpdateOp() => new RmsPropUpdateOp(Alpha, Epsilon, Momentum, WeightDecay, Centered);
}
