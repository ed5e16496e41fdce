using AutoGrad.Ops;
using AutoGrad.Ops.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Optimizers;

/// <summary>
/// NAdam (Dozat, 2016): Adam with Nesterov momentum, as PyTorch's <c>torch.optim.NAdam</c>. With
/// μₜ = β₁(1 − ½·0.96^(tψ)) (ψ the momentum decay): g ← g + λ·p (L2, or p ← p(1 − ηλ) when decoupled);
/// m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; s = √(v/(1 − β₂ᵗ)) + ε;
/// p ← p − η(1 − μₜ)/(1 − Π₁..ₜμ)·g/s − ημₜ₊₁/(1 − Π₁..ₜ₊₁μ)·m/s. Default learning rate 0.002.
/// </summary>
public sealed class NAdam : Optimizer
{
    /// <summary>Optimizes a list of parameters.</summary>
    public NAdam(IEnumerable<Tensor> parameters, double learningRate = 0.002, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
        double weightDecay = 0, double momentumDecay = 0.004, bool decoupledWeightDecay = false)
        : base(parameters, learningRate) =>
        (Beta1, Beta2, Epsilon, WeightDecay, MomentumDecay, DecoupledWeightDecay) = Validate(beta1, beta2, epsilon, weightDecay, momentumDecay, decoupledWeightDecay);

    /// <summary>Optimizes every parameter of a model.</summary>
    public NAdam(Layer model, double learningRate = 0.002, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
        double weightDecay = 0, double momentumDecay = 0.004, bool decoupledWeightDecay = false)
        : base(model, learningRate) =>
        (Beta1, Beta2, Epsilon, WeightDecay, MomentumDecay, DecoupledWeightDecay) = Validate(beta1, beta2, epsilon, weightDecay, momentumDecay, decoupledWeightDecay);

    private static (double, double, double, double, double, bool) Validate(double beta1, double beta2, double epsilon, double weightDecay,
        double momentumDecay, bool decoupled) =>
        (Hyperparameters.UnitOpen(nameof(NAdam), nameof(beta1), beta1), Hyperparameters.UnitOpen(nameof(NAdam), nameof(beta2), beta2),
         Hyperparameters.NonNegative(nameof(NAdam), nameof(epsilon), epsilon), Hyperparameters.NonNegative(nameof(NAdam), nameof(weightDecay), weightDecay),
         Hyperparameters.NonNegative(nameof(NAdam), nameof(momentumDecay), momentumDecay), decoupled);

    /// <summary>β₁, the decay of the first moment, in [0, 1).</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the second moment, in [0, 1).</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to √(v/(1 − β₂ᵗ)).</summary>
    public double Epsilon { get; }

    /// <summary>λ: an L2 penalty added to the gradient, or decoupled decay when <see cref="DecoupledWeightDecay"/>.</summary>
    public double WeightDecay { get; }

    /// <summary>ψ, the momentum decay of the schedule μₜ = β₁(1 − ½·0.96^(tψ)); ≥ 0, default 0.004.</summary>
    public double MomentumDecay { get; }

    /// <summary>Whether the weight decay shrinks the parameter (as AdamW) instead of adding to the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <inheritdoc/>
    public override string Name => "nadam";

    /// <inheritdoc/>
    public override IReadOnlyList<string> SlotNames => ["m", "v"];

    /// <inheritdoc/>
    protected override Op CreateUpdateOp() => new NAdamUpdateOp(Beta1, Beta2, Epsilon, WeightDecay, MomentumDecay, DecoupledWeightDecay);
}
