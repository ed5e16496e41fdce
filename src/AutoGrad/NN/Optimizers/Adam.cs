using AutoGrad.Ops.Optimizers;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba, 2015), as in PyTorch: g ← g + λ·p (L2); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
/// m̂ = m/(1 − β₁ᵗ); v̂ = v/(1 − β₂ᵗ); p ← p − η·m̂/(√v̂ + ε). With <c>amsgrad</c> (Reddi et al., 2018) a third slot
/// <c>max_v</c> keeps u ← max(u, v) and the denominator is √(u/(1 − β₂ᵗ)) + ε, as PyTorch's <c>amsgrad=True</c>.
/// </summary>
public class Adam : Optimizer
{
    /// <summary>Optimizes a list of parameters.</summary>
    public Adam(IEnumerable<Tensor> parameters, double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0,
        bool amsgrad = false)
        : base(parameters, learningRate) => ((Beta1, Beta2, Epsilon, WeightDecay), Amsgrad) = (Validate(beta1, beta2, epsilon, weightDecay), amsgrad);

    /// <summary>Optimizes every parameter of a model.</summary>
    public Adam(Layer model, double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0,
        bool amsgrad = false)
        : base(model, learningRate) => ((Beta1, Beta2, Epsilon, WeightDecay), Amsgrad) = (Validate(beta1, beta2, epsilon, weightDecay), amsgrad);

    private (double, double, double, double) Validate(double beta1, double beta2, double epsilon, double weightDecay) =>
        (Hyperparameters.UnitOpen(GetType().Name, nameof(beta1), beta1), Hyperparameters.UnitOpen(GetType().Name, nameof(beta2), beta2),
         Hyperparameters.NonNegative(GetType().Name, nameof(epsilon), epsilon), Hyperparameters.NonNegative(GetType().Name, nameof(weightDecay), weightDecay));

    /// <summary>β₁, the decay of the first moment, in [0, 1).</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the second moment, in [0, 1).</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to √v̂.</summary>
    public double Epsilon { get; }

    /// <summary>λ: an L2 penalty added to the gradient here; decoupled decay in <see cref="AdamW"/>.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the AMSGrad variant is used: the denominator takes the running maximum of v (slot <c>max_v</c>).</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc/>
    public override string Name => "adam";

    /// <inheritdoc/>
    public override IReadOnlyList<string> SlotNames => Amsgrad ? ["m", "v", "max_v"] : ["m", "v"];

    /// <summary>Whether the weight decay is decoupled (applied to the parameter, not the gradient).</summary>
    private protected virtual bool Decoupled => false;

    /// <inheritdoc/>
    protected override Op CreateUpdateOp() => new AdamUpdateOp(Beta1, Beta2, Epsilon, WeightDecay, Decoupled, Amsgrad);
}

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, 2019): Adam with decoupled weight decay, p ← p·(1 − η·λ) before the Adam step
/// (which then sees the plain gradient). Default λ = 0.01.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Optimizes a list of parameters.</summary>
    public AdamW(IEnumerable<Tensor> parameters, double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.01,
        bool amsgrad = false)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay, amsgrad)
    {
    }

    /// <summary>Optimizes every parameter of a model.</summary>
    public AdamW(Layer model, double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.01,
        bool amsgrad = false)
        : base(model, learningRate, beta1, beta2, epsilon, weightDecay, amsgrad)
    {
    }

    /// <inheritdoc/>
    public override string Name => "adamw";

    private protected override bool Decoupled => true;
}
