using AutoGrad.Ops.Reductions;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Reductions
{
    /// <summary>Index of the minimum along one axis, as an <see cref="DType.Int64"/> tensor; first index at ties. No gradient.</summary>
    internal sealed class ArgMinOp(int axis, bool keepDims) : Op
    {
        public override string Name => "argmin";

        public int Axis { get; } = axis;

        public bool KeepDims { get; } = keepDims;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("axis", Axis), new("keep_dims", KeepDims)];

        public override bool IsDifferentiable => false;

        public override SavedValues Saves => SavedValues.None;

        protected internal override bool AcceptsDType(int input, DType dtype) => dtype != DType.Bool;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => ArgMaxOp.InferArgType(Name, Axis, KeepDims, inputs[0]);

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => ArgMaxOp.RunArg(max: false, Axis, inputs[0], output);

        public override Tensor?[] Backward(GradientContext context) => [null];
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Index of the smallest element along <paramref name="axis"/>, as an <see cref="DType.Int64"/> tensor (first index
        /// at ties; a NaN counts as smallest). Never requires grad.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
        /// <exception cref="ArgumentException">The axis has size 0.</exception>
        public Tensor ArgMin(int axis, bool keepDims = false) =>
            new ArgMinOp(ShapeChecks.Axis("argmin", axis, Rank), keepDims).Apply(this);
    }
}
