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

        /// <summary>The values may have any dtype (they are moved, not computed on); the indices are checked in <see cref="InferType"/>.</summary>
        protected internal override bool AcceptsDType(int input, DType dtype) => true;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            Shape x = inputs[0].Shape, index = inputs[1].Shape;
            ShapeChecks.Axis(Name, Axis, x.Rank);
            ShapeChecks.Rank(Name, index, 1, "indices");
            IndexValues.CheckDType(Name, inputs[1]);
            return new TensorType(x.With(Axis, index[0]), inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Tensor x = inputs[0];
            ReadOnlySpan<int> index = IndexValues.Read(Name, inputs[1], Axis, x.Shape[Axis]);
            (int outer, int inner) = Layout.Blocks(x.Shape.Dimensions, Axis);
            switch (output.DType.ElementSize())
            {
                case 1: Kernels.Indexing.Select<byte>(x.Raw<byte>(), index, output.Raw<byte>(), outer, x.Shape[Axis], inner); break;
                case 4: Kernels.Indexing.Select<int>(x.Raw<int>(), index, output.Raw<int>(), outer, x.Shape[Axis], inner); break;
                default: Kernels.Indexing.Select<long>(x.Raw<long>(), index, output.Raw<long>(), outer, x.Shape[Axis], inner); break;
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
        /// becomes the number of indices. <paramref name="indices"/> is a 1-D Int64 or Int32 tensor; this tensor may have any dtype.
        /// </summary>
        /// <exception cref="ArgumentException">The indices are not 1-D, or not Int64/Int32 (the message says how to convert).</exception>
        /// <exception cref="IndexOutOfRangeException">An index is outside the axis; the message names the index and the axis size.</exception>
        public Tensor IndexSelect(int axis, Tensor indices)
        {
            ArgumentNullException.ThrowIfNull(indices);
            return new IndexSelectOp(ShapeChecks.Axis("index_select", axis, Rank)).Apply(this, indices);
        }
    }
}
