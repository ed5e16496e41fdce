using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>|x|. Gradient: g·sign(x), so the derivative chosen at the kink x = 0 is 0 (the subgradient midpoint, as PyTorch does).</summary>
    internal sealed class AbsOp : UnaryElementwiseOp, ILaneOp
    {
        public static readonly AbsOp Instance = new();

        public override string Name => "abs";

        internal override bool IsDefinedOnIntegers => true;

        internal override long IntegerFunction(long x) => Math.Abs(x);

        public override SavedValues Saves => SavedValues.Input0;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [context.OutputGrad.Mul(context.Input(0).Sign())];

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Abs(x, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.Unary<T, Lane<T>>(default);

        private readonly struct Lane<T> : IUnaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x) => T.Abs(x);

            public Vector<T> Invoke(Vector<T> x) => Vector.Abs(x);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise absolute value. Its gradient at exactly 0 is 0.</summary>
        public Tensor Abs() => AbsOp.Instance.Apply(this);
    }
}
