using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>a − b with broadcasting. Gradient: g to a, −g to b.</summary>
    internal sealed class SubOp : BinaryElementwiseOp, ILaneOp
    {
        public static readonly SubOp Instance = new();

        public override string Name => "sub";

        /// <summary>On integers (not on bool, where PyTorch refuses subtraction too).</summary>
        internal override bool IsDefinedOnIntegers => true;

        internal override long IntegerFunction(long x, long y) => unchecked(x - y);

        // Linear: sums and means over the batch stay what they are (see BatchDependence), which lets a loss be split by rows.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<Tensors.TensorType> inputTypes, Tensors.TensorType output) =>
            BatchDependence.Additive(inputs, inputTypes, output);

        public override double? RightIdentity => 0;

        public override SavedValues Saves => SavedValues.None;

        public override Tensors.Tensor?[] Backward(GradientContext context) =>
            [context.OutputGrad, context.NeedsGrad(1) ? context.OutputGrad.Neg() : null];

        protected override void VectorVector<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);

        protected override void VectorScalar<T>(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);

        protected override void ScalarVector<T>(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Subtract(x, y, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.Binary<T, Lane<T>>(default);

        private readonly struct Lane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => x - y;

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => x - y;
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise difference with NumPy broadcasting.</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor Sub(Tensor other) => SubOp.Instance.Apply(this, other);

        /// <summary>Subtracts a scalar from every element.</summary>
        public Tensor Sub(double scalar) => SubOp.Instance.Apply(this, ScalarLike(scalar));

        /// <summary>Subtracts an integer from every element, keeping an integer tensor's dtype (a float tensor stays float).</summary>
        public Tensor Sub(long scalar) => SubOp.Instance.Apply(this, ScalarLike(scalar));

        /// <summary>scalar − this, elementwise.</summary>
        public Tensor RSub(double scalar) => SubOp.Instance.Apply(ScalarLike(scalar), this);

        /// <summary>An integer minus every element, keeping an integer tensor's dtype (a float tensor stays float).</summary>
        public Tensor RSub(long scalar) => SubOp.Instance.Apply(ScalarLike(scalar), this);
    }
}
