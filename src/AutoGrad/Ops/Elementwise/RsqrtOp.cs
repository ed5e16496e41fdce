using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>1/√x. Gradient: −½·g·x^(−3/2) = −½·g·y³, reusing the output y.</summary>
    internal sealed class RsqrtOp : UnaryElementwiseOp, ILaneOp
    {
        public static readonly RsqrtOp Instance = new();

        public override string Name => "rsqrt";

        public override SavedValues Saves => SavedValues.Output;

        public override Tensors.Tensor?[] Backward(GradientContext context)
        {
            var y = context.Output;
            return [context.OutputGrad.Mul(y.Mul(y).Mul(y).Mul(-0.5))];
        }

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.ReciprocalSqrt(x, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.Unary<T, Lane<T>>(default);

        private readonly struct Lane<T> : IUnaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x) => T.One / T.Sqrt(x);

            public Vector<T> Invoke(Vector<T> x) => Vector<T>.One / Vector.SquareRoot(x);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise reciprocal square root 1/√x (+∞ at 0, NaN below 0); exact, not the hardware estimate.</summary>
        public Tensor Rsqrt() => RsqrtOp.Instance.Apply(this);
    }
}
