using AutoGrad.Ops.Optimizers;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, as in PyTorch:
/// g ← g + λ·p; with momentum μ: b ← g on the first step, else b ← μ·b + (1 − dampening)·g, then g ← g + μ·b
/// (Nesterov) or g ← b; finally p ← p − η·g.
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Optimizes a list of parameters.</summary>
    public Sgd(IEnumerable<Tensor> parameters, double learningRate = 0.01, double momentum = 0, bool nesterov = false, double weightDecay = 0, double dampening = 0)
        : base(parameters, learningRate) => (Momentum, Nesterov, WeightDecay, Dampening) = Validate(momentum, nesterov, weightDecay, dampening);

    /// <summary>Optimizes every parameter of a model.</summary>
    public Sgd(Layer model, double learningRate = 0.01, double momentum = 0, bool nesterov = false, double weightDecay = 0, double dampening = 0)
        : base(model, learningRate) => (Momentum, Nesterov, WeightDecay, Dampening) = Validate(momentum, nesterov, weightDecay, dampening);

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <summary>λ, the L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>Dampening of the momentum's gradient term.</summary>
    public double Dampening { get; }

    /// <inheritdoc/>
    public override string Name => "sgd";

    /// <inheritdoc/>
    public override IReadOnlyList<string> SlotNames => Momentum != 0 ? ["momentum"] : [];

    /// <inheritdoc/>
    protected override Op CreateUpdateOp() => new SgdUpdateOp(Momentum, Nesterov, WeightDecay, Dampening);

    private static (double, bool, double, double) Validate(double momentum, bool nesterov, double weightDecay, double dampening)
    {
        Hyperparameters.Unit(nameof(Sgd), nameof(momentum), momentum);
        Hyperparameters.Unit(nameof(Sgd), nameof(dampening), dampening);
        Hyperparameters.NonNegative(nameof(Sgd), nameof(weightDecay), weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentException($"Sgd: Nesterov momentum needs momentum > 0 and zero dampening; got momentum {momentum}, dampening {dampening}.", nameof(nesterov));
        }

        return (momentum, nesterov, weightDecay, dampening);
    }
}
