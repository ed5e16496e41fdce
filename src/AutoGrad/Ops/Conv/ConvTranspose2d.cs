using AutoGrad.Ops.Conv;

namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// 2-D transposed convolution (PyTorch's <c>F.conv_transpose2d</c>) of this NCHW input [N, inC, H, W] with
    /// <paramref name="weight"/> [inC, outC/groups, kH, kW] (PyTorch's ConvTranspose layout: input channels first), plus
    /// an optional <paramref name="bias"/> [outC]. Output [N, outC, oH, oW] with
    /// oH = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1 (likewise oW). It is the adjoint of
    /// <see cref="Conv2D(Tensor, Tensor?, int, int, int, int)"/> with the same settings: the <c>conv2d_input_grad</c> op,
    /// whose gradients are conv2d and conv2d_filter_grad, so derivatives of any order need nothing new.
    /// </summary>
    /// <exception cref="ArgumentException">Ranks, channels or bias size do not fit, groups does not divide the channel counts, or the output would be empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">stride, dilation or groups is not positive, padding or outputPadding is negative, or outputPadding is not smaller than stride.</exception>
    public Tensor ConvTranspose2D(Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1, int dilation = 1) =>
        ConvTranspose2D(weight, bias, (stride, stride), (padding, padding), (outputPadding, outputPadding), groups, (dilation, dilation));

    /// <summary>2-D transposed convolution with separate (height, width) settings; see <see cref="ConvTranspose2D(Tensor, Tensor?, int, int, int, int, int)"/>.</summary>
    /// <exception cref="ArgumentException">Ranks, channels or bias size do not fit, groups does not divide the channel counts, or the output would be empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (see the other overload).</exception>
    public Tensor ConvTranspose2D(Tensor weight, Tensor? bias, (int Height, int Width) stride, (int Height, int Width) padding,
        (int Height, int Width) outputPadding, int groups, (int Height, int Width) dilation)
    {
        const string op = "conv_transpose2d";
        ArgumentNullException.ThrowIfNull(weight);
        var settings = new Conv2dSettings(stride, padding, dilation, groups).Validate(op);
        if (outputPadding.Height < 0 || outputPadding.Width < 0 || outputPadding.Height >= stride.Height || outputPadding.Width >= stride.Width)
        {
            // PyTorch also accepts outputPadding < dilation; those extra rows would get no input, so we keep the stricter rule.
            throw new ArgumentOutOfRangeException(nameof(outputPadding), $"{op}: output padding {outputPadding} must be non-negative and smaller than the stride {stride}.");
        }

        ShapeChecks.Rank(op, Shape, 4, "input (N, inC, H, W)");
        ShapeChecks.Rank(op, weight.Shape, 4, "weight (inC, outC/groups, kH, kW)");
        if (weight.Shape[0] != Shape[1])
        {
            throw new ArgumentException(
                $"{op}: input {Shape} has {Shape[1]} channels but weight {weight.Shape} expects {weight.Shape[0]} (weight is [inC, outC/groups, kH, kW], input is [N, inC, H, W]).", nameof(weight));
        }

        int outChannels = weight.Shape[1] * groups;
        settings.CheckGroups(op, Shape[1], outChannels, Shape, weight.Shape);
        int height = ((Shape[2] - 1) * stride.Height) - (2 * padding.Height) + (dilation.Height * (weight.Shape[2] - 1)) + outputPadding.Height + 1;
        int width = ((Shape[3] - 1) * stride.Width) - (2 * padding.Width) + (dilation.Width * (weight.Shape[3] - 1)) + outputPadding.Width + 1;
        if (height <= 0 || width <= 0 || Shape[2] == 0 || Shape[3] == 0)
        {
            throw new ArgumentException($"{op}: input {Shape} with weight {weight.Shape}, stride {stride}, padding {padding} and dilation {dilation} gives an empty {height}x{width} output.");
        }

        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != outChannels))
        {
            throw new ArgumentException($"{op}: bias {bias.Shape} must have shape ({outChannels},), one value per output channel of weight {weight.Shape} with groups {groups}.", nameof(bias));
        }

        Tensor y = new Conv2dInputGradOp(settings, height, width).Apply(this, weight);
        return bias is null ? y : y.Add(bias.Reshape(outChannels, 1, 1));
    }
}
