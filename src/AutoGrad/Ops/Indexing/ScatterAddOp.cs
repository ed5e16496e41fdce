using AutoGrad.Kernels;
using AutoGrad.Ops.Indexing;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Indexing
{
    /// <summary>
    /// A tensor of the target shape, zero except that source[p] is added at (p with p[axis] replaced by indices[p]) for
    /// every position p; repeated indices accumulate. Inputs: (indices, source); indices and source have equal shapes.
    /// The adjoint of gather. Gradient with respect to the source: gather of the incoming gradient.
    /// </summary>
    internal sealed class ScatterAddOp(int axis, Shape shape) : Op
    {
        public override string Name => "scatter_add";

        /// <summary>The output shape is an input's shape (max pooling's gradient scatters into the batch), so it may follow B.</summary>
        public override IReadOnlyList<string> ShapeAttributes => ["shape"];

        public override Op WithShapeAttribute(string key, Shape value) => key == "shape" ? new ScatterAddOp(Axis, value) : base.WithShapeAttribute(key, value);

        public int Axis { get; } = axis;

        public Shape TargetShape { get; } = shape;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("axis", Axis), new("shape", TargetShape)];

        /// <summary>Input 0 holds the indices (checked in <see cref="InferType"/>); the source is floating point.</summary>
        protected internal override bool AcceptsDType(int input, DType dtype) => input == 0 || dtype.IsFloatingPoint();

        public override SavedValues Saves => SavedValues.Input0;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            Shape index = inputs[0].Shape, source = inputs[1].Shape;
            IndexValues.CheckDType(Name, inputs[0]);
            if (index != source)
            {
                throw new ArgumentException($"{Name}: indices of shape {index} and source of shape {source} must have equal shapes.");
            }

            GatherOp.CheckIndexShape(Name, index, TargetShape, Axis, "target");
            return new TensorType(TargetShape, inputs[1].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            ReadOnlySpan<int> index = IndexValues.Read(Name, inputs[0], Axis, TargetShape[Axis]);
            Tensor source = inputs[1];
            if (output.DType == DType.Float32)
            {
                Kernels.Indexing.ScatterAdd<float>(source.AsSpan<float>(), index, source.Shape.Dimensions, Axis, TargetShape.Dimensions, output.AsSpan<float>());
            }
            else
            {
                Kernels.Indexing.ScatterAdd<double>(source.AsSpan<double>(), index, source.Shape.Dimensions, Axis, TargetShape.Dimensions, output.AsSpan<double>());
            }
        }

        public override Tensor?[] Backward(GradientContext context) =>
            [null, context.NeedsGrad(1) ? context.OutputGrad.Gather(Axis, context.Input(0)) : null];
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// This tensor plus <paramref name="source"/> scattered along <paramref name="axis"/>: source[p] is added at
        /// (p with p[axis] = indices[p]); repeated indices accumulate (PyTorch's out-of-place <c>scatter_add</c>).
        /// <paramref name="indices"/> (an Int64 or Int32 tensor) and <paramref name="source"/> have equal shapes,
        /// of this tensor's rank and no larger on the other axes. Differentiable in this tensor and in the source.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not fit, or the indices are not Int64/Int32.</exception>
        /// <exception cref="IndexOutOfRangeException">An index is outside the axis; the message names the index and the axis size.</exception>
        public Tensor ScatterAdd(int axis, Tensor indices, Tensor source)
        {
            ArgumentNullException.ThrowIfNull(indices);
            ArgumentNullException.ThrowIfNull(source);
            int a = ShapeChecks.Axis("scatter_add", axis, Rank);
            return Add(new ScatterAddOp(a, Shape).Apply(indices, source));
        }
    }
}
