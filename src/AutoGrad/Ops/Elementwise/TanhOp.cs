using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>tanh x. Gradient: g·(1 − tanh²x), reusing the output.</summary>
    internal sealed class TanhOp : UnaryElementwiseOp, ILaneOp
    {
        public static readonly TanhOp Instance = new();

        public override string Name => "tanh";

        public override SavedValues Saves => SavedValues.Output;

        public override Tensors.Tensor?[] Backward(GradientContext context)
        {
            var y = context.Output;
            return [context.OutputGrad.Mul(y.Mul(y).RSub(1.0))];
        }

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Tanh(x, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.UnarySpan<T, Lane<T>>(default);

        private readonly struct Lane<T> : IUnarySpanLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x) => T.Tanh(x);

            public Vector<T> Invoke(Vector<T> x) => VectorMath<T>.Tanh(x);

            public void Invoke(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Tanh(x, destination);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise hyperbolic tangent.</summary>
        public Tensor Tanh() => TanhOp.Instance.Apply(this);
    }
}
