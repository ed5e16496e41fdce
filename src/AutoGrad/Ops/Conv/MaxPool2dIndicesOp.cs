using AutoGrad.Kernels;
using AutoGrad.Ops.Conv;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Conv
{
    /// <summary>
    /// For each max-pooling window of an NCHW input, the flat position (row·W + column) of its largest element within
    /// its H×W plane, as a number in the input's dtype. No gradient: max_pool2d differentiates through the gather that
    /// reads these positions, so its gradient is a scatter_add and its second derivative a gather.
    /// </summary>
    internal sealed class MaxPool2dIndicesOp(int kernelSize, int stride, int padding) : Op
    {
        public override string Name => "max_pool2d_indices";

        // Windows never cross images (axis 0) or channels (axis 1).
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            BatchDependence.FromFirstInput(inputs, a => a <= 1 ? a : null);

        public int KernelSize { get; } = kernelSize;

        public int Stride { get; } = stride;

        public int Padding { get; } = padding;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
            [new("kernel_size", KernelSize), new("stride", Stride), new("padding", Padding)];

        public override bool IsDifferentiable => false;

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            ConvGeometry g = Geometry(Name, inputs[0].Shape, KernelSize, Stride, Padding);
            Shape x = inputs[0].Shape;
            return new TensorType(Shape.FromOwned([x[0], x[1], g.OutHeight, g.OutWidth]), inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Shape x = inputs[0].Shape;
            ConvGeometry g = Geometry(Name, x, KernelSize, Stride, Padding);
            if (output.DType == DType.Float32)
            {
                Pooling.MaxIndices<float>(inputs[0].AsSpan<float>(), x[0] * x[1], g, output.AsSpan<float>());
            }
            else
            {
                Pooling.MaxIndices<double>(inputs[0].AsSpan<double>(), x[0] * x[1], g, output.AsSpan<double>());
            }
        }

        public override Tensor?[] Backward(GradientContext context) => throw new InvalidOperationException($"{Name} has no gradient.");

        /// <summary>Checks pooling arguments against an NCHW input and returns the per-plane window geometry.</summary>
        /// <exception cref="ArgumentException">The input is not 4-D, or the window does not fit.</exception>
        /// <exception cref="ArgumentOutOfRangeException">Kernel or stride is not positive, or padding is negative or more than half the kernel.</exception>
        public static ConvGeometry Geometry(string op, Shape x, int kernelSize, int stride, int padding)
        {
            ShapeChecks.Rank(op, x, 4, "input (N, C, H, W)");
            if (kernelSize <= 0 || stride <= 0)
            {
                throw new ArgumentOutOfRangeException(null, $"{op}: kernel size {kernelSize} and stride {stride} must be positive.");
            }

            if (padding < 0 || padding > kernelSize / 2)
            {
                // Beyond half the kernel a window could lie entirely in the padding and have no element to pick.
                throw new ArgumentOutOfRangeException(nameof(padding), padding, $"{op}: padding {padding} must be between 0 and half the kernel size {kernelSize}.");
            }

            var g = new ConvGeometry(1, x[2], x[3], kernelSize, kernelSize, stride, stride, padding, padding, 1, 1);
            if (g.OutHeight <= 0 || g.OutWidth <= 0)
            {
                throw new ArgumentException($"{op}: a {kernelSize}x{kernelSize} window with padding {padding} does not fit input {x}.");
            }

            return g;
        }
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
        public Tensor MaxPool2D(int kernelSize, int? stride = null, int padding = 0)
        {
            Tensor indices = new MaxPool2dIndicesOp(kernelSize, stride ?? kernelSize, padding).Apply(this);
            int n = Shape[0], c = Shape[1];
            Shape pooled = indices.Shape;
            return Reshape(n, c, Shape[2] * Shape[3])
                .Gather(2, indices.Reshape(n, c, pooled[2] * pooled[3]))
                .Reshape(pooled);
        }
    }
}
