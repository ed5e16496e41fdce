using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>a · b with broadcasting. Gradient: g·b to a, g·a to b.</summary>
    internal sealed class MulOp : BinaryElementwiseOp, ILaneOp
    {
        public static readonly MulOp Instance = new();

        public override string Name => "mul";

        internal override bool IsDefinedOnIntegers => true;

        /// <summary>On bool: logical and (PyTorch's bool * bool).</summary>
        internal override bool IsDefinedOnBool => true;

        internal override long IntegerFunction(long x, long y) => unchecked(x * y);

        // Linear: sums and means over the batch stay what they are (see BatchDependence), which lets a loss be split by rows.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<Tensors.TensorType> inputTypes, Tensors.TensorType output) =>
            BatchDependence.Scaling(inputs, inputTypes, output, divides: false);

        public override double? RightIdentity => 1;

        public override double? LeftIdentity => 1;

        public override Tensors.Tensor?[] Backward(GradientContext context)
        {
            var g = context.OutputGrad;
            return
            [
                context.NeedsGrad(0) ? g.Mul(context.Input(1)) : null,
                context.NeedsGrad(1) ? g.Mul(context.Input(0)) : null,
            ];
        }

        protected override void VectorVector<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Multiply(x, y, destination);

        protected override void VectorScalar<T>(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Multiply(x, y, destination);

        protected override void ScalarVector<T>(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Multiply(y, x, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.Binary<T, Lane<T>>(default);

        private readonly struct Lane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => x * y;

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => x * y;
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise product with NumPy broadcasting.</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor Mul(Tensor other) => MulOp.Instance.Apply(this, other);

        /// <summary>Multiplies every element by a scalar.</summary>
        public Tensor Mul(double scalar) => MulOp.Instance.Apply(this, ScalarLike(scalar));

        /// <summary>Multiplies every element by an integer, keeping an integer tensor's dtype (a float tensor stays float).</summary>
        public Tensor Mul(long scalar) => MulOp.Instance.Apply(this, ScalarLike(scalar));
    }
}
