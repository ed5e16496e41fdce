using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Optimizers;

/// <summary>
/// rmsprop_update(p, g, square_avg, [momentum buffer,] step, lr): RMSprop as in PyTorch (see
/// <c>OptimizerUpdates.RmsProp</c>). The buffer slot exists only with momentum.
/// </summary>
internal sealed class RmsPropUpdateOp(double alpha, double epsilon, double momentum, double weightDecay)
    : OptimizerUpdateOp(momentum != 0 ? 2 : 1)
{
    public override string Name => "rmsprop_update";

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("alpha", alpha), new("epsilon", epsilon), new("momentum", momentum), new("weight_decay", weightDecay)];

    protected override int FlopsPerElement => 10;

    protected override void Update<T>(ReadOnlySpan<Tensor> inputs, long step, double learningRate)
    {
        Span<T> buffer = SlotCount > 1 ? inputs[3].AsSpan<T>() : default;
        OptimizerUpdates.RmsProp(inputs[0].AsSpan<T>(), inputs[1].AsSpan<T>(), inputs[2].AsSpan<T>(), buffer,
            T.CreateTruncating(learningRate), T.CreateTruncating(alpha), T.CreateTruncating(epsilon), T.CreateTruncating(momentum), T.CreateTruncating(weightDecay));
    }
}
