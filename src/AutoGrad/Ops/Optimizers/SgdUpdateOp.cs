using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Optimizers;

/// <summary>
/// sgd_update(p, g, [momentum buffer,] step, lr): SGD with optional momentum, Nesterov momentum, dampening and L2
/// weight decay, as in PyTorch (see <c>OptimizerUpdates.Sgd</c>). The buffer slot exists only with momentum.
/// </summary>
internal sealed class SgdUpdateOp(double momentum, bool nesterov, double weightDecay, double dampening)
    : OptimizerUpdateOp(momentum != 0 ? 1 : 0)
{
    public override string Name => "sgd_update";

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("momentum", momentum), new("nesterov", nesterov), new("weight_decay", weightDecay), new("dampening", dampening)];

    protected override int FlopsPerElement => momentum != 0 ? 7 : 4;

    protected override void Update<T>(UpdateSlices inputs, long step, double learningRate)
    {
        Span<T> buffer = SlotCount > 0 ? inputs.Of<T>(2) : default;
        OptimizerUpdates.Sgd(inputs.Of<T>(0), inputs.Of<T>(1), buffer, T.CreateTruncating(learningRate),
            T.CreateTruncating(weightDecay), T.CreateTruncating(momentum), T.CreateTruncating(1 - dampening), step == 1, nesterov);
    }
}
