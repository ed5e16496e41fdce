using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// max(x, 0). A primitive rather than maximum(x, 0), whose tie rule would give ½ at 0. Gradient: g·(y &gt; 0), so
    /// relu'(0) = 0 (PyTorch's choice); the mask is a recorded comparison without gradient, so relu'' is 0, not an error.
    /// </summary>
    internal sealed class ReluOp : UnaryElementwiseOp, ILaneOp
    {
        public static readonly ReluOp Instance = new();

        public override string Name => "relu";

        // y > 0 exactly where x > 0, and keeping the output frees the input.
        public override SavedValues Saves => SavedValues.Output;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [context.OutputGrad.Mul(context.Output.Greater(0.0))];

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Max(x, T.Zero, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.Unary<T, Lane<T>>(default);

        private readonly struct Lane<T> : IUnaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x) => T.Max(x, T.Zero);

            public Vector<T> Invoke(Vector<T> x) => Vector.Max(x, Vector<T>.Zero);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Rectified linear unit max(x, 0). Its gradient at exactly 0 is 0.</summary>
        public Tensor Relu() => ReluOp.Instance.Apply(this);
    }
}
