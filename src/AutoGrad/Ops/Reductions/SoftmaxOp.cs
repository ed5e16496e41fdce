using AutoGrad.Kernels;
using AutoGrad.Ops.Reductions;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Reductions
{
    /// <summary>
    /// softmax: e^(x−max) / ∑ e^(x−max) along one axis (the shift keeps inputs like 1000 from overflowing), or
    /// log_softmax: x − logsumexp(x) in the same stable pass (never the log of a softmax, which underflows to −∞).
    /// One definition for the pair, which share the kernel. Gradients reuse the output y, so each rule is itself
    /// differentiable through y: softmax y·(g − ∑ g·y); log_softmax g − e^y·∑ g.
    /// </summary>
    internal sealed class SoftmaxOp(int axis, bool log) : Op
    {
        /// <summary>One instance per printed name, so the op-completeness test guards both softmax and log_softmax.</summary>
        internal static IReadOnlyList<Op> Variants { get; } = [new SoftmaxOp(0, log: false), new SoftmaxOp(0, log: true)];

        public override string Name => Log ? "log_softmax" : "softmax";

        internal override bool OutputsProbabilities => !Log;

        // Examples along any axis but the normalized one stay separate.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            BatchDependence.FromFirstInput(inputs, a => a == Axis ? null : a);

        public bool Log { get; } = log;

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

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => Run(inputs[0], output, Axis, Log);

        public override Tensor?[] Backward(GradientContext context)
        {
            Tensor y = context.Output;
            Tensor g = context.OutputGrad;
            return Log
                ? [g.Sub(y.Exp().Mul(g.Sum(Axis, keepDims: true)))]
                : [y.Mul(g.Sub(g.Mul(y).Sum(Axis, keepDims: true)))];
        }

        private static void Run(Tensor input, Tensor output, int axis, bool log)
        {
            if (input.Rank == 0)
            {
                // Softmax of a single value is 1 (log-softmax 0); the kernel's view needs at least one axis.
                output.SetFlat(0, log ? 0.0 : 1.0);
                return;
            }

            var (outer, n, inner) = AxisView.Of(input.Shape, axis);
            if (input.DType == DType.Float32)
            {
                Softmax.Axis(input.AsSpan<float>(), output.AsSpan<float>(), outer, n, inner, log);
            }
            else
            {
                Softmax.Axis(input.AsSpan<double>(), output.AsSpan<double>(), outer, n, inner, log);
            }
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Softmax along <paramref name="axis"/>: non-negative values summing to 1, computed stably (large inputs do not overflow).</summary>
        /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
        public Tensor Softmax(int axis = -1) => new SoftmaxOp(ShapeChecks.Axis("softmax", axis, Rank), log: false).Apply(this);

        /// <summary>Log-softmax along <paramref name="axis"/>, x − logsumexp(x), computed stably; use it with a negative log-likelihood loss.</summary>
        /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
        public Tensor LogSoftmax(int axis = -1) => new SoftmaxOp(ShapeChecks.Axis("log_softmax", axis, Rank), log: true).Apply(this);
    }
}
