using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Conv;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Conv
{
    /// <summary>
    /// 2-D convolution (cross-correlation) of an NCHW input with a [outC, C/groups, kH, kW] weight and, as ONNX Conv's
    /// optional third input B, a bias [outC] added to every element of its output channel. Forward: batched im2col and one
    /// GEMM per chunk of images (<see cref="Convolution"/>), the bias added in the pass that moves the product into NCHW
    /// order, so it costs no sweep of its own. Gradient: <c>conv2d_input_grad</c>(g, w) for the input,
    /// <c>conv2d_filter_grad</c>(x, g) for the weight and g summed over (N, H, W) for the bias; the three convolution ops
    /// are each other's adjoints, so every derivative of any order stays within them. When the weight and the bias both
    /// need a gradient, one <c>conv2d_filter_grad[with_bias]</c> gives both (the bias as its last column).
    /// </summary>
    internal sealed class Conv2dOp(Conv2dSettings settings) : Op, IEpilogueProducer
    {
        public override string Name => "conv2d";

        // Each image of the batch (axis 0) is convolved on its own with the shared filters.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            BatchDependence.FromFirstInput(inputs, a => a == 0 ? 0 : null);

        /// <summary>2·C·kH·kW per output element (every output is a dot product over the input channels and the window), plus one add for the bias.</summary>
        public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output)
        {
            Shape w = inputs[1].Shape;
            long bias = inputs.Length > 2 ? output.Shape.Size : 0;
            return new((2L * output.Shape.Size * w[1] * w[2] * w[3]) + bias, DefaultBytes(inputs, output));
        }

        // The bias is not needed by any rule (its gradient is a sum of g).
        public override SavedValues Saves => SavedValues.Input0 | SavedValues.Input1;

        public Conv2dSettings Settings { get; } = settings;

        /// <summary>When false, the bias gradient is summed from g on its own (for benchmarks comparing the two in one run).</summary>
        internal static bool FoldsBiasGradient { get; set; } = true;

        // The kernel writes (or clears) every output element, so the output needs no zeroing first.
        protected internal override bool ForwardWritesEveryElement => true;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => Settings.Attributes;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            DType dtype = ShapeChecks.SameDType(Name, inputs[0], inputs[1]);
            Shape x = inputs[0].Shape, w = inputs[1].Shape;
            ShapeChecks.Rank(Name, x, 4, "input (N, C, H, W)");
            ShapeChecks.Rank(Name, w, 4, "weight (outC, inC, kH, kW)");
            if (x[1] != w[1] * Settings.Groups)
            {
                string expects = Settings.Groups == 1 ? $"{w[1]}" : $"{w[1]}·groups = {w[1] * Settings.Groups}";
                throw new ArgumentException(
                    $"{Name}: input {x} has {x[1]} channels but weight {w} expects {expects} (weight is [outC, inC/groups, kH, kW], input is [N, C, H, W]).");
            }

            Settings.CheckGroups(Name, x[1], w[0], x, w);
            if (inputs.Length > 2)
            {
                ShapeChecks.SameDType(Name, inputs[0], inputs[2]);
                Shape b = inputs[2].Shape;
                if (b.Rank != 1 || b[0] != w[0])
                {
                    throw new ArgumentException($"{Name}: bias {b} must have shape ({w[0]},), one value per output channel of weight {w}.");
                }
            }

            ConvGeometry g = Settings.CheckedGeometry(Name, x, w[2], w[3]);
            return new TensorType(Shape.FromOwned([x[0], w[0], g.OutHeight, g.OutWidth]), dtype);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Tensor x = inputs[0], w = inputs[1];
            ConvGeometry g = Settings.Geometry(x.Shape, w.Shape[2], w.Shape[3]);
            if (output.DType == DType.Float32)
            {
                Memory<float> bias = inputs.Length > 2 ? inputs[2].AsMemory<float>() : Memory<float>.Empty;
                Convolution.Forward(x.AsMemory<float>(), w.AsMemory<float>(), bias, output.AsMemory<float>(), x.Shape[0], w.Shape[0], Settings.Groups, g);
            }
            else
            {
                Memory<double> bias = inputs.Length > 2 ? inputs[2].AsMemory<double>() : Memory<double>.Empty;
                Convolution.Forward(x.AsMemory<double>(), w.AsMemory<double>(), bias, output.AsMemory<double>(), x.Shape[0], w.Shape[0], Settings.Groups, g);
            }
        }

        /// <summary>Every application writes its output through the pass that moves the products into NCHW order.</summary>
        public bool AcceptsEpilogue(ReadOnlySpan<int> inputRanks) => inputRanks is [4, 4] or [4, 4, 1];

        /// <summary>The output [N, outC, oH, oW] as the (N·outC) × (oH·oW) matrix of its rows.</summary>
        public (int Rows, int Columns) EpilogueMatrix(Shape output) => (output[0] * output[1], output[2] * output[3]);

        /// <summary>The forward with <paramref name="epilogue"/> run on each run of positions as it is written (after the bias).</summary>
        public void Forward<T>(ReadOnlySpan<Tensor> inputs, Tensor output, IGemmEpilogue<T> epilogue)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            Tensor x = inputs[0], w = inputs[1];
            ConvGeometry g = Settings.Geometry(x.Shape, w.Shape[2], w.Shape[3]);
            Memory<T> bias = inputs.Length > 2 ? inputs[2].AsMemory<T>() : Memory<T>.Empty;
            Convolution.Forward(x.AsMemory<T>(), w.AsMemory<T>(), bias, output.AsMemory<T>(), x.Shape[0], w.Shape[0], Settings.Groups, g, epilogue);
        }

        public override Tensor?[] Backward(GradientContext context)
        {
            Tensor g = context.OutputGrad;
            Shape x = context.InputType(0).Shape, w = context.InputType(1).Shape;
            Tensor? dx = context.NeedsGrad(0) ? new Conv2dInputGradOp(Settings, x[2], x[3]).Apply(g, context.Input(1)) : null;
            if (FoldsBiasGradient && context.InputCount > 2 && context.NeedsGrad(1) && context.NeedsGrad(2))
            {
                // Both from one pass over g: the filter gradient's rows with the bias gradient as a last column.
                (Tensor filter, Tensor bias) = Conv2dFilterGradOp.Split(new Conv2dFilterGradOp(Settings, w[2], w[3], withBias: true).Apply(context.Input(0), g), w);
                return [dx, filter, bias];
            }

            Tensor? dw = context.NeedsGrad(1) ? new Conv2dFilterGradOp(Settings, w[2], w[3]).Apply(context.Input(0), g) : null;
            // The bias gradient alone sums positions, then images: two reductions over adjacent axes, which run without
            // the per-call scratch a sum over the non-adjacent axes (0, 2, 3) takes.
            return context.InputCount > 2
                ? [dx, dw, context.NeedsGrad(2) ? g.Sum([2, 3]).Sum([0]) : null]
                : [dx, dw];
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// 2-D convolution (cross-correlation, as in PyTorch's <c>F.conv2d</c>) of this NCHW input [N, C, H, W] with
        /// <paramref name="weight"/> [outC, C/groups, kH, kW], plus an optional <paramref name="bias"/> [outC]. Output
        /// [N, outC, oH, oW] with oH = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1 (likewise oW). Padding is
        /// with zeros (pad first with <c>Pad(padding, PaddingMode.Reflect)</c> for reflect or replicate padding).
        /// With <paramref name="groups"/> g the channels split into g independent convolutions: output channels
        /// [j·outC/g, (j + 1)·outC/g) see only input channels [j·C/g, (j + 1)·C/g); g = C is a depthwise convolution.
        /// </summary>
        /// <exception cref="ArgumentException">Ranks, channels or bias size do not fit, groups does not divide the channel counts, or the kernel does not fit the padded input; the message names the shapes.</exception>
        /// <exception cref="ArgumentOutOfRangeException">stride, dilation or groups is not positive, or padding is negative.</exception>
        public Tensor Conv2D(Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
            Conv2D(weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

        /// <summary>2-D convolution with separate (height, width) stride, padding and dilation; see <see cref="Conv2D(Tensor, Tensor?, int, int, int, int)"/>.</summary>
        /// <exception cref="ArgumentException">Ranks, channels or bias size do not fit, groups does not divide the channel counts, or the kernel does not fit the input.</exception>
        /// <exception cref="ArgumentOutOfRangeException">stride, dilation or groups is not positive, or padding is negative.</exception>
        public Tensor Conv2D(Tensor weight, Tensor? bias, (int Height, int Width) stride, (int Height, int Width) padding, (int Height, int Width) dilation, int groups = 1)
        {
            ArgumentNullException.ThrowIfNull(weight);
            var settings = new Conv2dSettings(stride, padding, dilation, groups).Validate("conv2d");
            if (bias is null)
            {
                return new Conv2dOp(settings).Apply(this, weight);
            }

            if (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0])
            {
                throw new ArgumentException($"conv2d: bias {bias.Shape} must have shape ({weight.Shape[0]},), one value per output channel of weight {weight.Shape}.", nameof(bias));
            }

            // The bias is the op's third input (ONNX Conv's B), added inside the kernel's output pass.
            return new Conv2dOp(settings).Apply(this, weight, bias);
        }
    }
}
