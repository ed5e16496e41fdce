using AutoGrad.Kernels;
using AutoGrad.Ops.Conv;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Conv
{
    /// <summary>
    /// For each max-pooling window of an NCHW input, the flat position (row·W + column) of its largest element within
    /// its H×W plane, as an int64 index. No gradient: max_pool2d differentiates through the gather that
    /// reads these positions, so its gradient is a scatter_add and its second derivative a gather.
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

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// 2-D max pooling of an NCHW input over <paramref name="kernelSize"/>² windows; the stride defaults to the
        /// kernel size. Padding positions never win (they act as −∞). Ties go to the first element in row-major window
        /// order, which is where the gradient flows. A composition: <c>max_pool2d_indices</c> finds each window's
        /// position and a gather reads it, so the gradient is a scatter_add and the second derivative a gather.
        /// </summary>
        /// <exception cref="ArgumentException">The input is not 4-D or the window does not fit.</exception>
        /// <exception cref="ArgumentOutOfRangeException">Kernel or stride is not positive, or padding is negative or more than half the kernel.</exception>
        public Tensor MaxPool2D(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false) =>
            MaxPool2D((kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), ceilMode);

        /// <summary>
        /// 2-D max pooling with (height, width) window, stride (the window when null) and padding, as PyTorch's
        /// <c>max_pool2d</c>. Output size per axis: ⌊(L + 2p − k) / s⌋ + 1, or with <paramref name="ceilMode"/>
        /// ⌈(L + 2p − k) / s⌉ + 1 less one when that last window would start in the right padding (at or beyond L + p).
        /// A window running past the input reads only the input elements it covers.
        /// </summary>
        /// <exception cref="ArgumentException">The input is not 4-D or the window does not fit.</exception>
        /// <exception cref="ArgumentOutOfRangeException">Kernel or stride is not positive, or padding is negative or more than half the kernel.</exception>
        public Tensor MaxPool2D((int Height, int Width) kernelSize, (int Height, int Width)? stride, (int Height, int Width) padding, bool ceilMode = false)
        {
            Tensor indices = new MaxPool2dIndicesOp(new PoolSettings(kernelSize, stride ?? kernelSize, padding, ceilMode)).Apply(this);
            int n = Shape[0], c = Shape[1];
            Shape pooled = indices.Shape;
            return Reshape(n, c, Shape[2] * Shape[3])
                .Gather(2, indices.Reshape(n, c, pooled[2] * pooled[3]))
                .Reshape(pooled);
        }
    }
}
