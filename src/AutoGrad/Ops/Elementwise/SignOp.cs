using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>sign x ∈ {−1, 0, 1} (0 for NaN). Piecewise constant, so it has no gradient; abs uses it in its rule.</summary>
    internal sealed class SignOp : UnaryElementwiseOp, ILaneOp
    {
        public static readonly SignOp Instance = new();

        public override string Name => "sign";

        public override bool IsDifferentiable => false;

        public override SavedValues Saves => SavedValues.None;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [null];

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination)
        {
            // (x > 0) − (x < 0): two mask passes rather than a branchy loop.
            T[] negative = new T[x.Length];
            ReadOnlySpan<T> zero = [T.Zero];
            Compare.Run(Comparison.Greater, x, zero, destination);
            Compare.Run(Comparison.Less, x, zero, negative);
            System.Numerics.Tensors.TensorPrimitives.Subtract(destination, negative, destination);
        }

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.Unary<T, Lane<T>>(default);

        private readonly struct Lane<T> : IUnaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x) => (x > T.Zero ? T.One : T.Zero) - (x < T.Zero ? T.One : T.Zero);

            public Vector<T> Invoke(Vector<T> x) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero) - Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise sign: −1, 0 or 1 (0 for NaN). No gradient flows through it (the result never requires grad).</summary>
        public Tensor Sign() => SignOp.Instance.Apply(this);
    }
}
