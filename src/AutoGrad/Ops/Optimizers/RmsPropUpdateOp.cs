using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Optimizers;

/// <summary>
/// rmsprop_update(p, g, square_avg, [momentum buffer,] [grad_avg,] step, lr): RMSprop as in PyTorch (see
/// <c>OptimizerUpdates.RmsProp</c>). The buffer slot exists only with momentum, the gradient average only when
/// <paramref name="centered"/>.
/// </summary>
internal sealed class RmsPropUpdateOp(double alpha, double epsilon, double momentum, double weightDecay, bool centered = false)
    : OptimizerUpdateOp(1 + (momentum != 0 ? 1 : 0) + (centered ? 1 : 0))
{
    public override string Name => "rmsprop_update";

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("alpha", alpha), new("epsilon", epsilon), new("momentum", momentum), new("weight_decay", weightDecay), new("centered", centered)];

    protected override int FlopsPerElement => 10;

    protected override void Update<T>(UpdateSlices inputs, long step, double learningRate)
    {
        Span<T> buffer = momentum != 0 ? inputs.Of<T>(3) : default;
        Span<T> gradAvg = centered ? inputs.Of<T>(1 + SlotCount) : default;
        OptimizerUpdates.RmsProp(inputs.Of<T>(0), inputs.Of<T>(1), inputs.Of<T>(2), buffer,
            T.CreateTruncating(learningRate), T.CreateTruncating(alpha), T.CreateTruncating(epsilon), T.CreateTruncating(momentum),
            T.CreateTruncating(weightDecay), gradAvg);
    }
}
