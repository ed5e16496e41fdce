using AutoGrad.Kernels;
using AutoGrad.Ops.Conv;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Conv
{
    /// <summary>
    /// 2-D max pooling of an NCHW input in one pass (<see cref="Pooling.MaxForward{T}"/>). It saves its input: the gradient
    /// is <c>max_pool2d_grad</c>(g, x), which finds each window's element again and adds g there, also in one pass.
    /// </summary>
    internal sealed class MaxPool2dOp(PoolSettings settings) : Op
    {
        public override string Name => "max_pool2d";

        public PoolSettings Settings { get; } = settings;

        // Windows never cross images (axis 0) or channels (axis 1).
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            BatchDependence.FromFirstInput(inputs, a => a <= 1 ? a : null);

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => Settings.Attributes;

        /// <summary>One comparison per window element.</summary>
        public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output) =>
            new((long)output.Shape.Size * Settings.Kernel.Height * Settings.Kernel.Width, DefaultBytes(inputs, output));

        protected internal override bool ForwardWritesEveryElement => true;

        public override SavedValues Saves => SavedValues.Input0;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            ConvGeometry g = Settings.Geometry(Name, inputs[0].Shape);
            Shape x = inputs[0].Shape;
            return new TensorType(Shape.FromOwned([x[0], x[1], g.OutHeight, g.OutWidth]), inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Shape x = inputs[0].Shape;
            ConvGeometry g = Settings.Geometry(Name, x);
            if (output.DType == DType.Float32)
            {
                Pooling.MaxForward(inputs[0].AsSpan<float>(), x[0] * x[1], g, output.AsSpan<float>());
            }
            else
            {
                Pooling.MaxForward(inputs[0].AsSpan<double>(), x[0] * x[1], g, output.AsSpan<double>());
            }
        }

        public override Tensor?[] Backward(GradientContext context) =>
            [new MaxPool2dGradOp(Settings).Apply(context.OutputGrad, context.Input(0))];
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// 2-D max pooling of an NCHW input over <paramref name="kernelSize"/>² windows; the stride defaults to the
        /// kernel size. Padding positions never win (they act as −∞). Ties go to the first element in row-major window
        /// order, which is where the gradient flows; a NaN wins, so NaN propagates. The gradient adds each window's
        /// incoming gradient onto the element it picked (one pass), and the second derivative gathers at those elements.
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
        public Tensor MaxPool2D((int Height, int Width) kernelSize, (int Height, int Width)? stride, (int Height, int Width) padding, bool ceilMode = false) =>
            new MaxPool2dOp(new PoolSettings(kernelSize, stride ?? kernelSize, padding, ceilMode)).Apply(this);
    }
}
