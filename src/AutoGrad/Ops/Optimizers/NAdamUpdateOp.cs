using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Optimizers;

/// <summary>
/// nadam_update(p, g, m, v, step, lr): NAdam (Dozat, 2016) as in PyTorch (see <c>OptimizerUpdates.NAdam</c>), with L2
/// weight decay or, when <paramref name="decoupled"/>, decoupled decay p ← p(1 − ηλ). The momentum schedule
/// μₜ = β₁(1 − ½·0.96^(t·ψ)) and its running product Πμ are functions of the step count, computed here in float64.
/// </summary>
internal sealed class NAdamUpdateOp(double beta1, double beta2, double epsilon, double weightDecay, double momentumDecay, bool decoupled)
    : OptimizerUpdateOp(2)
{
    private readonly Lock gate = new();

    /// <summary>The last product handed out, (step, Π₁..ₜ μ): consecutive steps extend it instead of multiplying from 1.</summary>
    private long cachedStep;
    private double cachedProduct = 1;

    public override string Name => "nadam_update";

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("beta1", beta1), new("beta2", beta2), new("epsilon", epsilon), new("weight_decay", weightDecay),
         new("momentum_decay", momentumDecay), new("decoupled", decoupled)];

    protected override int FlopsPerElement => 18;

    private double Mu(long step) => beta1 * (1 - (0.5 * Math.Pow(0.96, step * momentumDecay)));

    /// <summary>Π₁..ₜ μₖ, multiplied in the order PyTorch accumulates its <c>mu_product</c> state.</summary>
    private double MuProduct(long step)
    {
        // Locked (allocation-free) so parameters updated in parallel never see a step paired with another step's product.
        lock (gate)
        {
            if (cachedStep > step)
            {
                (cachedStep, cachedProduct) = (0, 1);
            }

            for (long k = cachedStep + 1; k <= step; k++)
            {
                cachedProduct *= Mu(k);
            }

            cachedStep = step;
            return cachedProduct;
        }
    }

    protected override void Update<T>(UpdateSlices inputs, long step, double learningRate)
    {
        double mu = Mu(step), muNext = Mu(step + 1);
        double product = MuProduct(step);
        double gradientStep = learningRate * (1 - mu) / (1 - product);
        double momentumStep = learningRate * muNext / (1 - (product * muNext));
        T l2 = decoupled ? T.Zero : T.CreateTruncating(weightDecay);
        T shrink = decoupled ? T.CreateTruncating(1 - (learningRate * weightDecay)) : T.One;
        OptimizerUpdates.NAdam(inputs.Of<T>(0), inputs.Of<T>(1), inputs.Of<T>(2), inputs.Of<T>(3),
            T.CreateTruncating(beta1), T.CreateTruncating(beta2), T.CreateTruncating(1 - Math.Pow(beta2, step)),
            T.CreateTruncating(gradientStep), T.CreateTruncating(momentumStep), T.CreateTruncating(epsilon), l2, shrink);
    }
}
