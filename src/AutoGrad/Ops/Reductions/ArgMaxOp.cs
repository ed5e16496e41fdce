using AutoGrad.Kernels;
using AutoGrad.Ops.Reductions;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Reductions
{
    /// <summary>
    /// Index of the maximum along one axis, as an <see cref="DType.Int64"/> tensor (PyTorch); the first index wins at ties (NumPy).
    /// Integer-valued and piecewise constant: no gradient.
    /// </summary>
    internal sealed class ArgMaxOp(int axis, bool keepDims) : Op
    {
        public override string Name => "argmax";

        public int Axis { get; } = axis;

        public bool KeepDims { get; } = keepDims;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("axis", Axis), new("keep_dims", KeepDims)];

        public override bool IsDifferentiable => false;

        public override SavedValues Saves => SavedValues.None;

        protected internal override bool AcceptsDType(int input, DType dtype) => dtype != DType.Bool;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => InferArgType(Name, Axis, KeepDims, inputs[0]);

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => RunArg(max: true, Axis, inputs[0], output);

        public override Tensor?[] Backward(GradientContext context) => [null];

        /// <summary>The reduced type, refusing an empty axis (an argmax of nothing has no answer).</summary>
        internal static TensorType InferArgType(string name, int axis, bool keepDims, TensorType input)
        {
            int normalized = ShapeChecks.Axis(name, axis, input.Shape.Rank);
            if (input.Shape[normalized] == 0)
            {
                throw new ArgumentException($"{name}: axis {axis} of shape {input.Shape} has size 0, so there is no extreme element to index.");
            }

            return new TensorType(ReductionOp.ReducedShape(input.Shape, [normalized], keepDims), DType.Int64);
        }

        /// <summary>Runs the arg-reduction kernel over the axis.</summary>
        internal static void RunArg(bool max, int axis, Tensor input, Tensor output)
        {
            var (outer, n, inner) = AxisView.Of(input.Shape, axis);
            Span<long> indices = output.AsSpan<long>();
            switch (input.DType)
            {
                case DType.Float32: ArgReduce.Axis<float>(max, input.AsSpan<float>(), indices, outer, n, inner); break;
                case DType.Float64: ArgReduce.Axis<double>(max, input.AsSpan<double>(), indices, outer, n, inner); break;
                default: ArgReduce.Axis<long>(max, Cast.ToInt64(input), indices, outer, n, inner); break;
            }
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Index of the largest element along <paramref name="axis"/>, as an <see cref="DType.Int64"/> tensor (first index
        /// at ties; a NaN counts as largest). Never requires grad.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
        /// <exception cref="ArgumentException">The axis has size 0.</exception>
        public Tensor ArgMax(int axis, bool keepDims = false) =>
            new ArgMaxOp(ShapeChecks.Axis("argmax", axis, Rank), keepDims).Apply(this);
    }
}
