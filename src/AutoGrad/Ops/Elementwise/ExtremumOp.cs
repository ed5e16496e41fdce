using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// maximum(a, b) or minimum(a, b) elementwise with broadcasting (NaN if either is NaN) — one definition for the
    /// mirror-image pair. Gradient: g to the winning operand; at a tie (a = b) it is split ½ to each, so the two shares
    /// always sum to g and the function stays symmetric in a and b.
    /// </summary>
    internal sealed class ExtremumOp : BinaryElementwiseOp, ILaneOp
    {
        public static readonly ExtremumOp Maximum = new(isMaximum: true);
        public static readonly ExtremumOp Minimum = new(isMaximum: false);

        private ExtremumOp(bool isMaximum) => IsMaximum = isMaximum;

        public bool IsMaximum { get; }

        public override string Name => IsMaximum ? "maximum" : "minimum";

        internal override bool IsDefinedOnIntegers => true;

        internal override long IntegerFunction(long x, long y) => IsMaximum ? Math.Max(x, y) : Math.Min(x, y);

        public override Tensors.Tensor?[] Backward(GradientContext context)
        {
            var g = context.OutputGrad;
            var a = context.Input(0);
            var b = context.Input(1);
            // The masks are bool; brought to the gradient's dtype so the arithmetic stays in it.
            var halfAtTies = a.Equal(b).To(g.DType).Mul(0.5);
            var aWins = (IsMaximum ? a.Greater(b) : a.Less(b)).To(g.DType);
            var bWins = (IsMaximum ? a.Less(b) : a.Greater(b)).To(g.DType);
            return
            [
                context.NeedsGrad(0) ? g.Mul(aWins.Add(halfAtTies)) : null,
                context.NeedsGrad(1) ? g.Mul(bWins.Add(halfAtTies)) : null,
            ];
        }

        protected override void VectorVector<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        {
            if (IsMaximum)
            {
                TensorPrimitives.Max(x, y, destination);
            }
            else
            {
                TensorPrimitives.Min(x, y, destination);
            }
        }

        protected override void VectorScalar<T>(ReadOnlySpan<T> x, T y, Span<T> destination)
        {
            if (IsMaximum)
            {
                TensorPrimitives.Max(x, y, destination);
            }
            else
            {
                TensorPrimitives.Min(x, y, destination);
            }
        }

        // max and min are commutative, so the scalar can go second.
        protected override void ScalarVector<T>(T x, ReadOnlySpan<T> y, Span<T> destination) => VectorScalar(y, x, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() =>
            IsMaximum ? LaneStep.Binary<T, MaximumLane<T>>(default) : LaneStep.Binary<T, MinimumLane<T>>(default);

        /// <summary>IEEE 754 maximum (NaN propagates, +0 above −0), as TensorPrimitives.Max.</summary>
        private readonly struct MaximumLane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => T.Max(x, y);

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => Vector.Max(x, y);
        }

        /// <summary>IEEE 754 minimum, as TensorPrimitives.Min.</summary>
        private readonly struct MinimumLane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => T.Min(x, y);

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => Vector.Min(x, y);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise maximum with NumPy broadcasting. Where the operands are equal the gradient is split ½/½.</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor Maximum(Tensor other) => ExtremumOp.Maximum.Apply(this, other);

        /// <summary>Elementwise maximum with a scalar (at a tie, half the gradient flows to this tensor).</summary>
        public Tensor Maximum(double other) => ExtremumOp.Maximum.Apply(this, ScalarLike(other));

        /// <summary>Elementwise minimum with NumPy broadcasting. Where the operands are equal the gradient is split ½/½.</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor Minimum(Tensor other) => ExtremumOp.Minimum.Apply(this, other);

        /// <summary>Elementwise minimum with a scalar (at a tie, half the gradient flows to this tensor).</summary>
        public Tensor Minimum(double other) => ExtremumOp.Minimum.Apply(this, ScalarLike(other));
    }
}
