using System.Numerics.Tensors;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// max(a, b) elementwise with broadcasting (NaN if either is NaN). Gradient: g to the larger operand; at a tie
    /// (a = b) it is split ½ to each, so the two shares always sum to g and the function stays symmetric in a and b.
    /// </summary>
    internal sealed class MaximumOp : BinaryElementwiseOp
    {
        public static readonly MaximumOp Instance = new();

        public override string Name => "maximum";

        public override Tensors.Tensor?[] Backward(GradientContext context)
        {
            var g = context.OutputGrad;
            var a = context.Input(0);
            var b = context.Input(1);
            var halfAtTies = a.Equal(b).Mul(0.5);
            return
            [
                context.NeedsGrad(0) ? g.Mul(a.Greater(b).Add(halfAtTies)) : null,
                context.NeedsGrad(1) ? g.Mul(a.Less(b).Add(halfAtTies)) : null,
            ];
        }

        protected override void VectorVector<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Max(x, y, destination);

        protected override void VectorScalar<T>(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Max(x, y, destination);

        protected override void ScalarVector<T>(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Max(y, x, destination);
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise maximum with NumPy broadcasting. Where the operands are equal the gradient is split ½/½.</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor Maximum(Tensor other) => MaximumOp.Instance.Apply(this, other);

        /// <summary>Elementwise maximum with a scalar (at a tie, half the gradient flows to this tensor).</summary>
        public Tensor Maximum(double other) => MaximumOp.Instance.Apply(this, ScalarLike(other));
    }
}
