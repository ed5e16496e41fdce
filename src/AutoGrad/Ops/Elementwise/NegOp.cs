using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>−x. Gradient: −g.</summary>
    internal sealed class NegOp : UnaryElementwiseOp, ILaneOp
    {
        public static readonly NegOp Instance = new();

        public override string Name => "neg";

        internal override bool IsDefinedOnIntegers => true;

        internal override long IntegerFunction(long x) => unchecked(-x);

        // Linear: the negation of a sum or mean over the batch is still one.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<Tensors.TensorType> inputTypes, Tensors.TensorType output) =>
            inputs[0].IsAggregate ? inputs[0] : BatchDependence.Elementwise(inputs, inputTypes, output);

        public override bool IsInvolution => true;

        public override SavedValues Saves => SavedValues.None;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [context.OutputGrad.Neg()];

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Negate(x, destination);

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.Unary<T, Lane<T>>(default);

        private readonly struct Lane<T> : IUnaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x) => -x;

            public Vector<T> Invoke(Vector<T> x) => -x;
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise negation.</summary>
        public Tensor Neg() => NegOp.Instance.Apply(this);
    }
}
