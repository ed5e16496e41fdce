using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Conv;

/// <summary>
/// The gradient of conv2d with respect to its input (a transposed convolution): inputs (g [N, outC, oH, oW],
/// w [outC, C/groups, kH, kW]), output [N, C, H, W] with H, W given as attributes because strides can drop trailing rows.
/// It is linear in both inputs, so its rule is: to g, conv2d(h, w); to w, conv2d_filter_grad(h, g).
/// </summary>
internal sealed class Conv2dInputGradOp(Conv2dSettings settings, int height, int width) : Op
{
    public override string Name => "conv2d_input_grad";

    /// <summary>The same products as the forward convolution: 2·C·kH·kW per element of the output gradient g.</summary>
    public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output)
    {
        Shape w = inputs[1].Shape;
        return new(2L * inputs[0].Shape.Size * w[1] * w[2] * w[3], DefaultBytes(inputs, output));
    }

    public Conv2dSettings Settings { get; } = settings;

    // Each image's gradient (axis 0) comes from its own output gradient and the shared filters.
    public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
        BatchDependence.FromFirstInput(inputs, a => a == 0 ? 0 : null);

    // The kernel writes (or clears) every output element, so the output needs no zeroing first.
    protected internal override bool ForwardWritesEveryElement => true;

    public int Height { get; } = height;

    public int Width { get; } = width;

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [.. Settings.Attributes, new("input_size", new[] { Height, Width })];

    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        DType dtype = ShapeChecks.SameDType(Name, inputs[0], inputs[1]);
        Shape g = inputs[0].Shape, w = inputs[1].Shape;
        ShapeChecks.Rank(Name, g, 4, "output gradient (N, outC, oH, oW)");
        ShapeChecks.Rank(Name, w, 4, "weight (outC, inC/groups, kH, kW)");
        Shape x = Shape.FromOwned([g[0], w[1] * Settings.Groups, Height, Width]);
        Settings.CheckGroups(Name, x[1], w[0], x, w);
        ConvGeometry geometry = Settings.CheckedGeometry(Name, x, w[2], w[3]);
        if (g[1] != w[0] || g[2] != geometry.OutHeight || g[3] != geometry.OutWidth)
        {
            throw new ArgumentException(
                $"{Name}: output gradient {g} does not match weight {w} and input size {Height}x{Width}: expected ({g[0]}, {w[0]}, {geometry.OutHeight}, {geometry.OutWidth}).");
        }

        return new TensorType(x, dtype);
    }

    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        Tensor g = inputs[0], w = inputs[1];
        ConvGeometry geometry = Settings.Geometry(output.Shape, w.Shape[2], w.Shape[3]);
        if (output.DType == DType.Float32)
        {
            Convolution.InputGrad<float>(g.AsMemory<float>(), w.AsMemory<float>(), output.AsMemory<float>(), g.Shape[0], w.Shape[0], Settings.Groups, geometry);
        }
        else
        {
            Convolution.InputGrad<double>(g.AsMemory<double>(), w.AsMemory<double>(), output.AsMemory<double>(), g.Shape[0], w.Shape[0], Settings.Groups, geometry);
        }
    }

    public override Tensor?[] Backward(GradientContext context)
    {
        Tensor h = context.OutputGrad;
        Shape w = context.InputType(1).Shape;
        return
        [
            context.NeedsGrad(0) ? new Conv2dOp(Settings).Apply(h, context.Input(1)) : null,
            context.NeedsGrad(1) ? new Conv2dFilterGradOp(Settings, w[2], w[3]).Apply(h, context.Input(0)) : null,
        ];
    }
}
