using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Optimizers;

/// <summary>adagrad_update(p, g, sum, step, lr): Adagrad as in PyTorch (see <c>OptimizerUpdates.Adagrad</c>).</summary>
internal sealed class AdagradUpdateOp(double epsilon, double weightDecay) : OptimizerUpdateOp(1)
{
    public override string Name => "adagrad_update";

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("epsilon", epsilon), new("weight_decay", weightDecay)];

    protected override int FlopsPerElement => 7;

    protected override void Update<T>(UpdateSlices inputs, long step, double learningRate) =>
        OptimizerUpdates.Adagrad(inputs.Of<T>(0), inputs.Of<T>(1), inputs.Of<T>(2),
            T.CreateTruncating(learningRate), T.CreateTruncating(epsilon), T.CreateTruncating(weightDecay));
}
