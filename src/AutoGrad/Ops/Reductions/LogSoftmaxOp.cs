using AutoGrad.Ops.Reductions;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Reductions
{
    /// <summary>
    /// x − logsumexp(x) along one axis, computed in one stable pass (never log of a softmax, which underflows to −∞).
    /// Gradient: g − e^y·∑ g, reusing the output y.
    /// </summary>
    internal sealed class LogSoftmaxOp(int axis) : Op
    {
        public override string Name => "log_softmax";

        /// <inheritdoc/>
        protected internal override bool ForwardWritesEveryElement => true;

        public int Axis { get; } = axis;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("axis", Axis)];

        public override SavedValues Saves => SavedValues.Output;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            ShapeChecks.Axis(Name, Axis, inputs[0].Shape.Rank);
            return inputs[0];
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => SoftmaxOp.Run(inputs[0], output, Axis, log: true);

        public override Tensor?[] Backward(GradientContext context)
        {
            Tensor g = context.OutputGrad;
            return [g.Sub(context.Output.Exp().Mul(g.Sum(Axis, keepDims: true)))];
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Log-softmax along <paramref name="axis"/>, x − logsumexp(x), computed stably; use it with a negative log-likelihood loss.</summary>
        /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
        public Tensor LogSoftmax(int axis = -1) => new LogSoftmaxOp(ShapeChecks.Axis("log_softmax", axis, Rank)).Apply(this);
    }
}
