using AutoGrad.Kernels;
using AutoGrad.Ops.Indexing;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Indexing
{
    /// <summary>
    /// out[p] = x[p with p[axis] replaced by indices[p]] over every position p of the indices (PyTorch's gather): the
    /// indices have x's rank and no larger size on any other axis, and the output has the indices' shape.
    /// Gradient: <c>scatter_add</c> of the incoming gradient through the same indices (whose gradient is gather again).
    /// </summary>
    internal sealed class GatherOp(int axis) : Op
    {
        public override string Name => "gather";

        // Example j's indices read example j's values along another axis; indices alone would read other examples' rows.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            inputs[0].Role == BatchRole.Rows && inputs[1] == inputs[0] && inputs[0].Axis != Axis ? inputs[0] : null;

        public int Axis { get; } = axis;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("axis", Axis)];

        public override SavedValues Saves => SavedValues.Input1;

        /// <summary>The values may have any dtype (they are moved, not computed on); the indices are checked in <see cref="InferType"/>.</summary>
        protected internal override bool AcceptsDType(int input, DType dtype) => true;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            Shape x = inputs[0].Shape, index = inputs[1].Shape;
            CheckIndexShape(Name, index, x, Axis, "input");
            IndexValues.CheckDType(Name, inputs[1]);
            return new TensorType(index, inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Tensor x = inputs[0];
            ReadOnlySpan<int> index = IndexValues.Read(Name, inputs[1], Axis, x.Shape[Axis]);
            switch (output.DType.ElementSize())
            {
                case 1: Kernels.Indexing.Gather<byte>(x.Raw<byte>(), x.Shape.Dimensions, index, output.Shape.Dimensions, Axis, output.Raw<byte>()); break;
                case 4: Kernels.Indexing.Gather<int>(x.Raw<int>(), x.Shape.Dimensions, index, output.Shape.Dimensions, Axis, output.Raw<int>()); break;
                default: Kernels.Indexing.Gather<long>(x.Raw<long>(), x.Shape.Dimensions, index, output.Shape.Dimensions, Axis, output.Raw<long>()); break;
            }
        }

        public override Tensor?[] Backward(GradientContext context) =>
            [new ScatterAddOp(Axis, context.InputType(0).Shape).Apply(context.Input(1), context.OutputGrad), null];

        /// <summary>The indices must have the other tensor's rank and be no larger on any axis but <paramref name="axis"/>.</summary>
        public static void CheckIndexShape(string op, Shape index, Shape other, int axis, string otherName)
        {
            ShapeChecks.Axis(op, axis, other.Rank);
            bool fits = index.Rank == other.Rank;
            for (int d = 0; fits && d < index.Rank; d++)
            {
                fits = d == axis || index[d] <= other[d];
            }

            if (!fits)
            {
                throw new ArgumentException(
                    $"{op}: indices of shape {index} do not fit {otherName} of shape {other} along axis {axis}: they need the same rank and no larger size on any other axis.");
            }
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Picks one element along <paramref name="axis"/> for every position of <paramref name="indices"/> (PyTorch's
        /// <c>gather</c>): result[p] = this[p with p[axis] = indices[p]]. The indices are an Int64 or Int32 tensor (as
        /// ArgMax returns them), of this tensor's rank and no larger on the other axes.
        /// </summary>
        /// <exception cref="ArgumentException">The index shape does not fit, or the indices are not Int64/Int32.</exception>
        /// <exception cref="IndexOutOfRangeException">An index is outside the axis; the message names the index and the axis size.</exception>
        public Tensor Gather(int axis, Tensor indices)
        {
            ArgumentNullException.ThrowIfNull(indices);
            return new GatherOp(ShapeChecks.Axis("gather", axis, Rank)).Apply(this, indices);
        }
    }
}
