using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// Elementwise comparisons with broadcasting, giving 1 where the relation holds and 0 elsewhere in the operands'
    /// dtype, so a mask multiplies a gradient directly. Piecewise constant: no gradient, and the result never requires grad.
    /// </summary>
    internal sealed class ComparisonOp : BinaryElementwiseOp, ILaneOp
    {
        public static readonly ComparisonOp Greater = new(Comparison.Greater, "greater");
        public static readonly ComparisonOp GreaterEqual = new(Comparison.GreaterEqual, "greater_equal");
        public static readonly ComparisonOp Less = new(Comparison.Less, "less");
        public static readonly ComparisonOp LessEqual = new(Comparison.LessEqual, "less_equal");
        public static readonly ComparisonOp Equal = new(Comparison.Equal, "equal");
        public static readonly ComparisonOp NotEqual = new(Comparison.NotEqual, "not_equal");

        private readonly Comparison kind;
        private readonly string name;

        private ComparisonOp(Comparison kind, string name)
        {
            this.kind = kind;
            this.name = name;
        }

        public override string Name => name;

        public override bool IsDifferentiable => false;

        public override SavedValues Saves => SavedValues.None;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [null, null];

        protected override void VectorVector<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => Compare.Run(kind, x, y, destination);

        protected override void VectorScalar<T>(ReadOnlySpan<T> x, T y, Span<T> destination) => Compare.Run(kind, x, [y], destination);

        protected override void ScalarVector<T>(T x, ReadOnlySpan<T> y, Span<T> destination) => Compare.Run(kind, [x], y, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => kind switch
        {
            Comparison.Greater => LaneStep.Binary<T, GreaterLane<T>>(default),
            Comparison.GreaterEqual => LaneStep.Binary<T, GreaterEqualLane<T>>(default),
            Comparison.Less => LaneStep.Binary<T, LessLane<T>>(default),
            Comparison.LessEqual => LaneStep.Binary<T, LessEqualLane<T>>(default),
            Comparison.Equal => LaneStep.Binary<T, EqualLane<T>>(default),
            _ => LaneStep.Binary<T, NotEqualLane<T>>(default),
        };

        // The 0/1 masks of Kernels.Compare, per element: NaN compares false except under not_equal.
        private static T Mask<T>(bool holds)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => holds ? T.One : T.Zero;

        private static Vector<T> Mask<T>(Vector<T> holds)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => Vector.ConditionalSelect(holds, Vector<T>.One, Vector<T>.Zero);

        private readonly struct GreaterLane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => Mask<T>(x > y);

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => Mask(Vector.GreaterThan(x, y));
        }

        private readonly struct GreaterEqualLane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => Mask<T>(x >= y);

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => Mask(Vector.GreaterThanOrEqual(x, y));
        }

        private readonly struct LessLane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => Mask<T>(y > x);

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => Mask(Vector.GreaterThan(y, x));
        }

        private readonly struct LessEqualLane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => Mask<T>(y >= x);

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => Mask(Vector.GreaterThanOrEqual(y, x));
        }

        private readonly struct EqualLane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => Mask<T>(x == y);

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => Mask(Vector.Equals(x, y));
        }

        private readonly struct NotEqualLane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => Mask<T>(x != y);

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => Mask(~Vector.Equals(x, y));
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>1 where this &gt; other, else 0 (NumPy broadcasting, this tensor's dtype, no gradient; NaN compares false).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor Greater(Tensor other) => ComparisonOp.Greater.Apply(this, other);

        /// <summary>1 where this &gt; a scalar, else 0 (no gradient).</summary>
        public Tensor Greater(double other) => ComparisonOp.Greater.Apply(this, ScalarLike(other));

        /// <summary>1 where this ≥ other, else 0 (NumPy broadcasting, no gradient; NaN compares false).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor GreaterEqual(Tensor other) => ComparisonOp.GreaterEqual.Apply(this, other);

        /// <summary>1 where this ≥ a scalar, else 0 (no gradient).</summary>
        public Tensor GreaterEqual(double other) => ComparisonOp.GreaterEqual.Apply(this, ScalarLike(other));

        /// <summary>1 where this &lt; other, else 0 (NumPy broadcasting, no gradient; NaN compares false).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor Less(Tensor other) => ComparisonOp.Less.Apply(this, other);

        /// <summary>1 where this &lt; a scalar, else 0 (no gradient).</summary>
        public Tensor Less(double other) => ComparisonOp.Less.Apply(this, ScalarLike(other));

        /// <summary>1 where this ≤ other, else 0 (NumPy broadcasting, no gradient; NaN compares false).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor LessEqual(Tensor other) => ComparisonOp.LessEqual.Apply(this, other);

        /// <summary>1 where this ≤ a scalar, else 0 (no gradient).</summary>
        public Tensor LessEqual(double other) => ComparisonOp.LessEqual.Apply(this, ScalarLike(other));

        /// <summary>1 where this = other, else 0 (NumPy broadcasting, no gradient; NaN equals nothing).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor Equal(Tensor other) => ComparisonOp.Equal.Apply(this, other);

        /// <summary>1 where this equals a scalar, else 0 (no gradient).</summary>
        public Tensor Equal(double other) => ComparisonOp.Equal.Apply(this, ScalarLike(other));

        /// <summary>1 where this ≠ other, else 0 (NumPy broadcasting, no gradient; NaN differs from everything).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor NotEqual(Tensor other) => ComparisonOp.NotEqual.Apply(this, other);

        /// <summary>1 where this differs from a scalar, else 0 (no gradient).</summary>
        public Tensor NotEqual(double other) => ComparisonOp.NotEqual.Apply(this, ScalarLike(other));
    }
}
