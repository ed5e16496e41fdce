using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>a / b with broadcasting. Gradient: g/b to a and −g·(a/b)/b to b, reusing the output a/b.</summary>
    internal sealed class DivOp : BinaryElementwiseOp, ILaneOp
    {
        public static readonly DivOp Instance = new();

        public override string Name => "div";

        /// <summary>True division, as PyTorch's <c>/</c>: integer operands become float32.</summary>
        internal override bool PromotesToFloat => true;

        // Linear: sums and means over the batch stay what they are (see BatchDependence), which lets a loss be split by rows.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<Tensors.TensorType> inputTypes, Tensors.TensorType output) =>
            BatchDependence.Scaling(inputs, inputTypes, output, divides: true);

        public override double? RightIdentity => 1;

        public override SavedValues Saves => SavedValues.Input1 | SavedValues.Output;

        public override Tensors.Tensor?[] Backward(GradientContext context)
        {
            var g = context.OutputGrad;
            var b = context.Input(1);
            return
            [
                context.NeedsGrad(0) ? g.Div(b) : null,
                context.NeedsGrad(1) ? g.Mul(context.Output).Div(b).Neg() : null,
            ];
        }

        protected override void VectorVector<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);

        protected override void VectorScalar<T>(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);

        protected override void ScalarVector<T>(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Divide(x, y, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.Binary<T, Lane<T>>(default);

        private readonly struct Lane<T> : IBinaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x, T y) => x / y;

            public Vector<T> Invoke(Vector<T> x, Vector<T> y) => x / y;
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise quotient with NumPy broadcasting.</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor Div(Tensor other) => DivOp.Instance.Apply(this, other);

        /// <summary>Divides every element by a scalar.</summary>
        public Tensor Div(double scalar) => DivOp.Instance.Apply(this, ScalarLike(scalar));

        /// <summary>scalar / this, elementwise.</summary>
        public Tensor RDiv(double scalar) => DivOp.Instance.Apply(ScalarLike(scalar), this);
    }
}
