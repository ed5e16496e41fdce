using AutoGrad.Ops;
using AutoGrad.Ops.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Optimizers;

/// <summary>
/// RAdam (Liu et al., 2020): Adam with a rectified adaptive learning rate, as PyTorch's <c>torch.optim.RAdam</c>.
/// g ← g + λ·p (L2, or p ← p(1 − ηλ) when decoupled); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; m̂ = m/(1 − β₁ᵗ);
/// ρ∞ = 2/(1 − β₂) − 1, ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ). When ρₜ &gt; 5: r = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ)) and
/// p ← p − η·m̂·r·√(1 − β₂ᵗ)/(√v + ε); otherwise p ← p − η·m̂ (plain momentum, for the first steps).
/// </summary>
public sealed class RAdam : Optimizer
{
    /// <summary>Optimizes a list of parameters.</summary>
    public RAdam(IEnumerable<Tensor> parameters, double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
        double weightDecay = 0, bool decoupledWeightDecay = false)
        : base(parameters, learningRate) =>
        (Beta1, Beta2, Epsilon, WeightDecay, DecoupledWeightDecay) = Validate(beta1, beta2, epsilon, weightDecay, decoupledWeightDecay);

    /// <summary>Optimizes every parameter of a model.</summary>
    public RAdam(Layer model, double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
        double weightDecay = 0, bool decoupledWeightDecay = false)
        : base(model, learningRate) =>
        (Beta1, Beta2, Epsilon, WeightDecay, DecoupledWeightDecay) = Validate(beta1, beta2, epsilon, weightDecay, decoupledWeightDecay);

    private static (double, double, double, double, bool) Validate(double beta1, double beta2, double epsilon, double weightDecay, bool decoupled) =>
        (Hyperparameters.UnitOpen(nameof(RAdam), nameof(beta1), beta1), Hyperparameters.UnitOpen(nameof(RAdam), nameof(beta2), beta2),
         Hyperparameters.NonNegative(nameof(RAdam), nameof(epsilon), epsilon), Hyperparameters.NonNegative(nameof(RAdam), nameof(weightDecay), weightDecay),
         decoupled);

    /// <summary>β₁, the decay of the first moment, in [0, 1).</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the second moment, in [0, 1).</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to √v.</summary>
    public double Epsilon { get; }

    /// <summary>λ: an L2 penalty added to the gradient, or decoupled decay when <see cref="DecoupledWeightDecay"/>.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the weight decay shrinks the parameter (as AdamW) instead of adding to the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <inheritdoc/>
    public override string Name => "radam";

    /// <inheritdoc/>
    public override IReadOnlyList<string> SlotNames => ["m", "v"];

    /// <inheritdoc/>
    protected override Op CreateUpdateOp() => new RAdamUpdateOp(Beta1, Beta2, Epsilon, WeightDecay, DecoupledWeightDecay);
}
