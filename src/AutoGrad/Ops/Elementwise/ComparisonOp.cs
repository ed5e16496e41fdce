using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// Elementwise comparisons with broadcasting, giving 1 where the relation holds and 0 elsewhere in the operands'
    /// dtype, so a mask multiplies a gradient directly. Piecewise constant: no gradient, and the result never requires grad.
    /// </summary>
    internal sealed class ComparisonOp : BinaryElementwiseOp
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
