using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>√x. Gradient: g / (2√x), reusing the output.</summary>
    internal sealed class SqrtOp : UnaryElementwiseOp, ILaneOp
    {
        public static readonly SqrtOp Instance = new();

        public override string Name => "sqrt";

        public override SavedValues Saves => SavedValues.Output;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [context.OutputGrad.Div(context.Output.Mul(2.0))];

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Sqrt(x, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.Unary<T, Lane<T>>(default);

        private readonly struct Lane<T> : IUnaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x) => T.Sqrt(x);

            public Vector<T> Invoke(Vector<T> x) => Vector.SquareRoot(x);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise square root (NaN below 0). Its gradient is infinite at 0.</summary>
        public Tensor Sqrt() => SqrtOp.Instance.Apply(this);
    }
}
