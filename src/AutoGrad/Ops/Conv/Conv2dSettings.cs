using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Conv;

/// <summary>
/// Stride, zero padding and dilation per spatial axis (height, width), and the number of channel groups, shared by
/// conv2d and its two gradient ops.
/// </summary>
internal sealed record Conv2dSettings((int Height, int Width) Stride, (int Height, int Width) Padding, (int Height, int Width) Dilation, int Groups = 1)
{
    /// <summary>The attributes in printed order; <c>groups</c> only when it is not 1, so ungrouped graphs print as before.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        Groups == 1
            ? [new("stride", new[] { Stride.Height, Stride.Width }), new("padding", new[] { Padding.Height, Padding.Width }), new("dilation", new[] { Dilation.Height, Dilation.Width })]
            : [new("stride", new[] { Stride.Height, Stride.Width }), new("padding", new[] { Padding.Height, Padding.Width }), new("dilation", new[] { Dilation.Height, Dilation.Width }), new("groups", Groups)];

    /// <summary>Checks the settings themselves (positive stride, dilation and groups, non-negative padding).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public Conv2dSettings Validate(string op)
    {
        if (Stride.Height <= 0 || Stride.Width <= 0 || Dilation.Height <= 0 || Dilation.Width <= 0 || Padding.Height < 0 || Padding.Width < 0)
        {
            throw new ArgumentOutOfRangeException(
                null, $"{op}: stride {Stride} and dilation {Dilation} must be positive and padding {Padding} non-negative.");
        }

        if (Groups <= 0)
        {
            throw new ArgumentOutOfRangeException(null, $"{op}: groups {Groups} must be positive.");
        }

        return this;
    }

    /// <summary>
    /// Checks that <see cref="Groups"/> divides both channel counts; the message names the op, the shapes and what to
    /// change.
    /// </summary>
    /// <exception cref="ArgumentException">It does not.</exception>
    public void CheckGroups(string op, int inChannels, int outChannels, Shape input, Shape weight)
    {
        if (inChannels % Groups != 0 || outChannels % Groups != 0)
        {
            throw new ArgumentException(
                $"{op}: groups {Groups} must divide both the input channels ({inChannels}) and the output channels ({outChannels}); input {input}, weight {weight}.");
        }
    }

    /// <summary>The window geometry of one group for an NCHW input and a kernel size.</summary>
    public ConvGeometry Geometry(Shape input, int kernelHeight, int kernelWidth) =>
        new(input[1] / Groups, input[2], input[3], kernelHeight, kernelWidth, Stride.Height, Stride.Width, Padding.Height, Padding.Width, Dilation.Height, Dilation.Width);

    /// <summary>The geometry, after checking that the (dilated) kernel fits the padded input at least once.</summary>
    /// <exception cref="ArgumentException">It does not; the message names the op, the input shape and the kernel size.</exception>
    public ConvGeometry CheckedGeometry(string op, Shape input, int kernelHeight, int kernelWidth)
    {
        ConvGeometry g = Geometry(input, kernelHeight, kernelWidth);
        if (g.OutHeight <= 0 || g.OutWidth <= 0)
        {
            throw new ArgumentException(
                $"{op}: a {kernelHeight}x{kernelWidth} kernel with dilation {Dilation} does not fit input {input} with padding {Padding} " +
                $"(padded size {input[2] + (2 * Padding.Height)}x{input[3] + (2 * Padding.Width)}, dilated kernel {(Dilation.Height * (kernelHeight - 1)) + 1}x{(Dilation.Width * (kernelWidth - 1)) + 1}); " +
                $"the output would be {g.OutHeight}x{g.OutWidth}.");
        }

        return g;
    }
}
