using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>eˣ. Gradient: g·eˣ, reusing the output.</summary>
    internal sealed class ExpOp : UnaryElementwiseOp, ILaneOp
    {
        public static readonly ExpOp Instance = new();

        public override string Name => "exp";

        public override SavedValues Saves => SavedValues.Output;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [context.OutputGrad.Mul(context.Output)];

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Exp(x, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.UnarySpan<T, Lane<T>>(default);

        private readonly struct Lane<T> : IUnarySpanLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x) => T.Exp(x);

            public Vector<T> Invoke(Vector<T> x) => VectorMath<T>.Exp(x);

            public void Invoke(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Exp(x, destination);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise natural exponential.</summary>
        public Tensor Exp() => ExpOp.Instance.Apply(this);
    }
}
