using System.Diagnostics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// Elementwise comparisons with broadcasting, giving a <see cref="Tensors.DType.Bool"/> tensor (as PyTorch and NumPy
    /// do). The operands are first promoted to one dtype, so an integer tensor compares with a float one in floating
    /// point; a bool mask multiplies a float gradient through the same promotion. Piecewise constant: no gradient.
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

        internal override bool IsDefinedOnIntegers => true;

        internal override bool IsDefinedOnBool => true;

        public override Tensors.TensorType InferType(ReadOnlySpan<Tensors.TensorType> inputs) => base.InferType(inputs) with { DType = Tensors.DType.Bool };

        public override Tensors.Tensor?[] Backward(GradientContext context) => [null, null];

        private protected override void RunWithoutFloatKernels(Tensors.Tensor a, Tensors.Tensor b, Tensors.Tensor output, BroadcastWalk? walk, int[]? scratch)
        {
            Span<bool> destination = output.AsSpan<bool>();
            switch (a.DType)
            {
                case Tensors.DType.Float32:
                    Run(a.AsSpan<float>(), b.AsSpan<float>(), a, b, output, destination, walk, scratch);
                    break;
                case Tensors.DType.Float64:
                    Run(a.AsSpan<double>(), b.AsSpan<double>(), a, b, output, destination, walk, scratch);
                    break;
                default:
                    Run(Cast.ToInt64(a), Cast.ToInt64(b), a, b, output, destination, walk, scratch);
                    break;
            }
        }

        /// <summary>
        /// Compares chunk by chunk along the broadcast walk (prepared once in compiled graphs), so a mask built from
        /// broadcasting operands, such as an attention mask, allocates nothing per run.
        /// </summary>
        private void Run<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Tensors.Tensor a, Tensors.Tensor b, Tensors.Tensor output,
            Span<bool> destination, BroadcastWalk? walk, int[]? scratch)
            where T : unmanaged, System.Numerics.INumber<T>
        {
            int size = destination.Length;
            if ((x.Length == size || x.Length == 1) && (y.Length == size || y.Length == 1))
            {
                Compare.ToBool(kind, x, y, destination);
                return;
            }

            walk ??= new BroadcastWalk(output.Shape, a.Shape, b.Shape);
            var cursor = scratch is null ? walk.Start() : walk.Start(scratch);
            int chunk = walk.Chunk;
            for (int c = 0, offset = 0; c < walk.Count; c++, offset += chunk, cursor.Next())
            {
                // A non-full operand is one element repeated over the chunk, which ToBool reads as a length-1 span.
                Compare.ToBool(kind, x.Slice(cursor.OffsetA, walk.AFull ? chunk : 1), y.Slice(cursor.OffsetB, walk.BFull ? chunk : 1),
                    destination.Slice(offset, chunk));
            }
        }

        // The float kernels of the base class are never reached: the output (bool) differs from the operands' dtype.
        protected override void VectorVector<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => throw new UnreachableException();

        protected override void VectorScalar<T>(ReadOnlySpan<T> x, T y, Span<T> destination) => throw new UnreachableException();

        protected override void ScalarVector<T>(T x, ReadOnlySpan<T> y, Span<T> destination) => throw new UnreachableException();
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>True where this &gt; other, as a <see cref="DType.Bool"/> tensor (NumPy broadcasting, type promotion, no gradient; NaN compares false).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor Greater(Tensor other) => ComparisonOp.Greater.Apply(this, other);

        /// <summary>True where this &gt; a scalar (a bool tensor; an integer tensor compares exactly with a whole number).</summary>
        public Tensor Greater(double other) => ComparisonOp.Greater.Apply(this, ComparandLike(other));

        /// <summary>True where this ≥ other, as a <see cref="DType.Bool"/> tensor (NumPy broadcasting, type promotion, no gradient; NaN compares false).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor GreaterEqual(Tensor other) => ComparisonOp.GreaterEqual.Apply(this, other);

        /// <summary>True where this ≥ a scalar (a bool tensor).</summary>
        public Tensor GreaterEqual(double other) => ComparisonOp.GreaterEqual.Apply(this, ComparandLike(other));

        /// <summary>True where this &lt; other, as a <see cref="DType.Bool"/> tensor (NumPy broadcasting, type promotion, no gradient; NaN compares false).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor Less(Tensor other) => ComparisonOp.Less.Apply(this, other);

        /// <summary>True where this &lt; a scalar (a bool tensor).</summary>
        public Tensor Less(double other) => ComparisonOp.Less.Apply(this, ComparandLike(other));

        /// <summary>True where this ≤ other, as a <see cref="DType.Bool"/> tensor (NumPy broadcasting, type promotion, no gradient; NaN compares false).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor LessEqual(Tensor other) => ComparisonOp.LessEqual.Apply(this, other);

        /// <summary>True where this ≤ a scalar (a bool tensor).</summary>
        public Tensor LessEqual(double other) => ComparisonOp.LessEqual.Apply(this, ComparandLike(other));

        /// <summary>True where this = other, as a <see cref="DType.Bool"/> tensor (NumPy broadcasting, type promotion, no gradient; NaN equals nothing).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor Equal(Tensor other) => ComparisonOp.Equal.Apply(this, other);

        /// <summary>True where this equals a scalar (a bool tensor).</summary>
        public Tensor Equal(double other) => ComparisonOp.Equal.Apply(this, ComparandLike(other));

        /// <summary>True where this ≠ other, as a <see cref="DType.Bool"/> tensor (NumPy broadcasting, type promotion, no gradient; NaN differs from everything).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
        public Tensor NotEqual(Tensor other) => ComparisonOp.NotEqual.Apply(this, other);

        /// <summary>True where this differs from a scalar (a bool tensor).</summary>
        public Tensor NotEqual(double other) => ComparisonOp.NotEqual.Apply(this, ComparandLike(other));
    }
}
