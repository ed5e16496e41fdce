using AutoGrad.Kernels;
using AutoGrad.Ops.Indexing;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Indexing
{
    /// <summary>
    /// Whole slices along one axis picked by a 1-D list of indices (an embedding lookup is index_select on axis 0).
    /// Gradient: <c>index_add</c> of the incoming gradient at the same indices (whose gradient is index_select again).
    /// </summary>
    internal sealed class IndexSelectOp(int axis) : Op
    {
        public override string Name => "index_select";

        // A shared table looked up by per-example indices (an embedding) gives per-example rows along the selected axis;
        // per-example values selected along another axis by shared indices stay per example.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output)
        {
            if (inputs[0].Role == BatchRole.Shared && inputs[1].Role == BatchRole.Rows)
            {
                return inputs[1].WithAxis(Axis);
            }

            return inputs[1].Role == BatchRole.Shared ? BatchDependence.FromFirstInput(inputs, a => a == Axis ? null : a) : null;
        }

        public int Axis { get; } = axis;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("axis", Axis)];

        public override SavedValues Saves => SavedValues.Input1;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            Shape x = inputs[0].Shape, index = inputs[1].Shape;
            ShapeChecks.Axis(Name, Axis, x.Rank);
            ShapeChecks.Rank(Name, index, 1, "indices");
            return new TensorType(x.With(Axis, index[0]), inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Tensor x = inputs[0];
            int[] index = IndexValues.Read(Name, inputs[1], Axis, x.Shape[Axis]);
            (int outer, int inner) = Layout.Blocks(x.Shape.Dimensions, Axis);
            if (output.DType == DType.Float32)
            {
                Kernels.Indexing.Select<float>(x.AsSpan<float>(), index, output.AsSpan<float>(), outer, x.Shape[Axis], inner);
            }
            else
            {
                Kernels.Indexing.Select<double>(x.AsSpan<double>(), index, output.AsSpan<double>(), outer, x.Shape[Axis], inner);
            }
        }

        public override Tensor?[] Backward(GradientContext context) =>
            [new IndexAddOp(Axis, context.InputType(0).Shape[Axis]).Apply(context.Input(1), context.OutputGrad), null];
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// The slices at the listed positions along <paramref name="axis"/>, in order (repeats allowed); the axis size
        /// becomes the number of indices. <paramref name="indices"/> is a 1-D float tensor of whole numbers.
        /// </summary>
        /// <exception cref="ArgumentException">The indices are not 1-D, or an index is not a whole number.</exception>
        /// <exception cref="IndexOutOfRangeException">An index is outside the axis; the message names the index and the axis size.</exception>
        public Tensor IndexSelect(int axis, Tensor indices)
        {
            ArgumentNullException.ThrowIfNull(indices);
            return new IndexSelectOp(ShapeChecks.Axis("index_select", axis, Rank)).Apply(this, indices);
        }
    }
}
