using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>a + b with broadcasting. Gradient: the incoming gradient flows unchanged to both operands.</summary>
    internal sealed class AddOp : BinaryElementwiseOp, ILaneOp
    {
        public static readonly AddOp Instance = new();

        public override string Name => "add";

        // Linear: sums and means over the batch stay what they are (see BatchDependence), which lets a loss be split by rows.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<Tensors.TensorType> inputTypes, Tensors.TensorType output) =>
            BatchDependence.Additive(inputs, inputTypes, output);

        public override double? RightIdentity => 0;

        public override double? LeftIdentity => 0;

        public override SavedValues Saves => SavedValues.None;

        internal override bool IsDefinedOnIntegers => true;

        /// <summary>On bool: logical or (PyTorch's bool + bool).</summary>
        internal override bool IsDefinedOnBool => true;

        internal override long IntegerFunction(long x, long y) => unchecked(x + y);

        public override Tensors.Tensor?[] Backward(GradientContext context) => [context.OutputGrad, context.OutputGrad];

        protected override void VectorVector<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Add(x, y, destination);

        protected override void VectorScalar<T>(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Add(x, y, destination);

        protected override void ScalarVector<T>(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Add(y, x, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.Binary<T, Lane<T>>(default);

        private readonly struct Lane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => x + y;

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => x + y;
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise sum with NumPy broadcasting.</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor Add(Tensor other) => AddOp.Instance.Apply(this, other);

        /// <summary>Adds a scalar to every element.</summary>
        public Tensor Add(double scalar) => AddOp.Instance.Apply(this, ScalarLike(scalar));

        /// <summary>Adds an integer to every element, keeping an integer tensor's dtype (a float tensor stays float).</summary>
        public Tensor Add(long scalar) => AddOp.Instance.Apply(this, ScalarLike(scalar));
    }
}
