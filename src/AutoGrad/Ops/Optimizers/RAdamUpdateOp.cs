using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Optimizers;

/// <summary>
/// radam_update(p, g, m, v, step, lr): RAdam (Liu et al., 2020) as in PyTorch (see <c>OptimizerUpdates.RAdam</c>), with
/// L2 weight decay or, when <paramref name="decoupled"/>, decoupled decay p ← p(1 − ηλ). The length of the approximated
/// simple moving average ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ), ρ∞ = 2/(1 − β₂) − 1, and the rectification
/// r = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ)) are computed here in float64; the adaptive step is taken only when ρₜ &gt; 5.
/// </summary>
internal sealed class RAdamUpdateOp(double beta1, double beta2, double epsilon, double weightDecay, bool decoupled) : OptimizerUpdateOp(2)
{
    public override string Name => "radam_update";

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("beta1", beta1), new("beta2", beta2), new("epsilon", epsilon), new("weight_decay", weightDecay), new("decoupled", decoupled)];

    protected override int FlopsPerElement => 16;

    protected override void Update<T>(UpdateSlices inputs, long step, double learningRate)
    {
        double correction1 = 1 - Math.Pow(beta1, step);
        double correction2 = 1 - Math.Pow(beta2, step);
        double rhoInfinity = (2 / (1 - beta2)) - 1;
        double rho = rhoInfinity - (2 * step * Math.Pow(beta2, step) / correction2);
        bool rectified = rho > 5;
        double rectification = rectified
            ? Math.Sqrt((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho))
            : 0;
        T l2 = decoupled ? T.Zero : T.CreateTruncating(weightDecay);
        T shrink = decoupled ? T.CreateTruncating(1 - (learningRate * weightDecay)) : T.One;
        OptimizerUpdates.RAdam(inputs.Of<T>(0), inputs.Of<T>(1), inputs.Of<T>(2), inputs.Of<T>(3),
            T.CreateTruncating(beta1), T.CreateTruncating(beta2), T.CreateTruncating(correction1), T.CreateTruncating(Math.Sqrt(correction2)),
            T.CreateTruncating(learningRate), T.CreateTruncating(epsilon), l2, shrink, rectified, T.CreateTruncating(rectification));
    }
}
