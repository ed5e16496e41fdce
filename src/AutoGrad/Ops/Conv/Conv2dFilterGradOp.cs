using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Conv;

/// <summary>
/// The gradient of conv2d with respect to its weight: inputs (x [N, C, H, W], g [N, outC, oH, oW]), output
/// [outC, C/groups, kH, kW] with the kernel size as an attribute; the sum over the batch happens inside the GEMMs.
/// It is linear in both inputs, so its rule is: to x, conv2d_input_grad(g, h); to g, conv2d(x, h).
/// With <c>with_bias</c> (a convolution with a bias, both gradients wanted) the output is [outC, K + 1], K = C/groups·kH·kW:
/// each row the weight gradient's K values, then the bias gradient Σ g over (N, oH, oW), summed while each chunk of g is
/// in cache instead of in a pass of its own; the rule's h then splits the same way, and to g it is conv2d(x, h_w, h_b).
/// </summary>
internal sealed class Conv2dFilterGradOp(Conv2dSettings settings, int kernelHeight, int kernelWidth, bool withBias = false) : Op
{
    public override string Name => "conv2d_filter_grad";

    /// <summary>The same products as the forward convolution: 2·C·kH·kW per element of the output gradient g (one more add with the bias).</summary>
    public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output) =>
        new((2L * inputs[1].Shape.Size * (inputs[0].Shape[1] / Settings.Groups) * KernelHeight * KernelWidth) + (WithBias ? inputs[1].Shape.Size : 0),
            DefaultBytes(inputs, output));

    public Conv2dSettings Settings { get; } = settings;

    // The kernel writes (or clears) every output element, so the output needs no zeroing first.
    protected internal override bool ForwardWritesEveryElement => true;

    public int KernelHeight { get; } = kernelHeight;

    public int KernelWidth { get; } = kernelWidth;

    /// <summary>Whether the output carries the bias gradient as a last column ([outC, K + 1]).</summary>
    public bool WithBias { get; } = withBias;

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes => WithBias
        ? [.. Settings.Attributes, new("kernel_size", new[] { KernelHeight, KernelWidth }), new("with_bias", true)]
        : [.. Settings.Attributes, new("kernel_size", new[] { KernelHeight, KernelWidth })];

    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        DType dtype = ShapeChecks.SameDType(Name, inputs[0], inputs[1]);
        Shape x = inputs[0].Shape, g = inputs[1].Shape;
        ShapeChecks.Rank(Name, x, 4, "input (N, C, H, W)");
        ShapeChecks.Rank(Name, g, 4, "output gradient (N, outC, oH, oW)");
        Settings.CheckGroups(Name, x[1], g[1], x, g);
        ConvGeometry geometry = Settings.CheckedGeometry(Name, x, KernelHeight, KernelWidth);
        if (g[0] != x[0] || g[2] != geometry.OutHeight || g[3] != geometry.OutWidth)
        {
            throw new ArgumentException(
                $"{Name}: output gradient {g} does not match input {x} and a {KernelHeight}x{KernelWidth} kernel: expected ({x[0]}, outC, {geometry.OutHeight}, {geometry.OutWidth}).");
        }

        return WithBias
            ? new TensorType(Shape.FromOwned([g[1], (x[1] / Settings.Groups * KernelHeight * KernelWidth) + 1]), dtype)
            : new TensorType(Shape.FromOwned([g[1], x[1] / Settings.Groups, KernelHeight, KernelWidth]), dtype);
    }

    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        Tensor x = inputs[0], g = inputs[1];
        ConvGeometry geometry = Settings.Geometry(x.Shape, KernelHeight, KernelWidth);
        if (output.DType == DType.Float32)
        {
            Convolution.FilterGrad<float>(x.AsMemory<float>(), g.AsMemory<float>(), output.AsMemory<float>(), x.Shape[0], g.Shape[1], Settings.Groups, geometry, WithBias);
        }
        else
        {
            Convolution.FilterGrad<double>(x.AsMemory<double>(), g.AsMemory<double>(), output.AsMemory<double>(), x.Shape[0], g.Shape[1], Settings.Groups, geometry, WithBias);
        }
    }

    public override Tensor?[] Backward(GradientContext context)
    {
        Tensor h = context.OutputGrad;
        Shape x = context.InputType(0).Shape;
        Tensor? hb = null;
        if (WithBias)
        {
            // The weight part of h as a weight, the last column as a bias.
            (h, hb) = Split(h, Shape.FromOwned([h.Shape[0], x[1] / Settings.Groups, KernelHeight, KernelWidth]));
        }

        return
        [
            context.NeedsGrad(0) ? new Conv2dInputGradOp(Settings, x[2], x[3]).Apply(context.Input(1), h) : null,
            context.NeedsGrad(1) ? (hb is null ? new Conv2dOp(Settings).Apply(context.Input(0), h) : new Conv2dOp(Settings).Apply(context.Input(0), h, hb)) : null,
        ];
    }

    /// <summary>A <c>with_bias</c> output [outC, K + 1] as the weight gradient (shaped like <paramref name="weight"/>) and the bias gradient [outC].</summary>
    internal static (Tensor Weight, Tensor Bias) Split(Tensor both, Shape weight)
    {
        int k = both.Shape[1] - 1;
        return (both.Slice(1, 0, k).Reshape(weight.ToArray()), both.Slice(1, k, k + 1).Reshape(weight[0]));
    }
}
