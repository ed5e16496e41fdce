using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Optimizers;

/// <summary>
/// adam_update(p, g, m, v, [max_v,] step, lr): Adam with L2 weight decay, or AdamW's decoupled decay when
/// <paramref name="decoupled"/>, as in PyTorch (see <c>OptimizerUpdates.Adam</c>); the bias corrections come from the
/// step count. With <paramref name="amsgrad"/> a third slot keeps the running maximum of v, which the denominator uses.
/// </summary>
internal sealed class AdamUpdateOp(double beta1, double beta2, double epsilon, double weightDecay, bool decoupled, bool amsgrad = false)
    : OptimizerUpdateOp(amsgrad ? 3 : 2)
{
    public override string Name => "adam_update";

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("beta1", beta1), new("beta2", beta2), new("epsilon", epsilon), new("weight_decay", weightDecay), new("decoupled", decoupled), new("amsgrad", amsgrad)];

    protected override int FlopsPerElement => 14;

    protected override void Update<T>(UpdateSlices inputs, long step, double learningRate)
    {
        T correction1 = T.CreateTruncating(1 - Math.Pow(beta1, step));
        T correction2 = T.CreateTruncating(1 - Math.Pow(beta2, step));
        T l2 = decoupled ? T.Zero : T.CreateTruncating(weightDecay);
        T shrink = decoupled ? T.CreateTruncating(1 - (learningRate * weightDecay)) : T.One;
        OptimizerUpdates.Adam(inputs.Of<T>(0), inputs.Of<T>(1), inputs.Of<T>(2), inputs.Of<T>(3),
            T.CreateTruncating(beta1), T.CreateTruncating(beta2), correction1, correction2,
            T.CreateTruncating(learningRate), T.CreateTruncating(epsilon), l2, shrink, amsgrad ? inputs.Of<T>(4) : default);
    }
}
