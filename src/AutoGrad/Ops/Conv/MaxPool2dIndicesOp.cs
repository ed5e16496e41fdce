using AutoGrad.Kernels;
using AutoGrad.Ops.Conv;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Conv
{
    /// <summary>
    /// For each max-pooling window of an NCHW input, the flat position (row·W + column) of its largest element within
    /// its H×W plane, as an int64 index. No gradient of its own: it appears in <c>max_pool2d_grad</c>'s rule (the second
    /// derivative of max pooling), where a gather reads these positions.
    /// </summary>
    internal sealed class MaxPool2dIndicesOp(PoolSettings settings) : Op
    {
        public override string Name => "max_pool2d_indices";

        public PoolSettings Settings { get; } = settings;

        // Windows never cross images (axis 0) or channels (axis 1).
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            BatchDependence.FromFirstInput(inputs, a => a <= 1 ? a : null);

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => Settings.Attributes;

        public override bool IsDifferentiable => false;

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            ConvGeometry g = Settings.Geometry(Name, inputs[0].Shape);
            Shape x = inputs[0].Shape;
            return new TensorType(Shape.FromOwned([x[0], x[1], g.OutHeight, g.OutWidth]), DType.Int64);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Shape x = inputs[0].Shape;
            ConvGeometry g = Settings.Geometry(Name, x);
            if (inputs[0].DType == DType.Float32)
            {
                Pooling.MaxIndices<float>(inputs[0].AsSpan<float>(), x[0] * x[1], g, output.AsSpan<long>());
            }
            else
            {
                Pooling.MaxIndices<double>(inputs[0].AsSpan<double>(), x[0] * x[1], g, output.AsSpan<long>());
            }
        }

        public override Tensor?[] Backward(GradientContext context) => throw new InvalidOperationException($"{Name} has no gradient.");
    }
}
