using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Conv;

/// <summary>Stride, zero padding and dilation per spatial axis (height, width), shared by conv2d and its two gradient ops.</summary>
internal sealed record Conv2dSettings((int Height, int Width) Stride, (int Height, int Width) Padding, (int Height, int Width) Dilation)
{
    /// <summary>The attributes in printed order.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("stride", new[] { Stride.Height, Stride.Width }), new("padding", new[] { Padding.Height, Padding.Width }), new("dilation", new[] { Dilation.Height, Dilation.Width })];

    /// <summary>Checks the settings themselves (positive stride and dilation, non-negative padding).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public Conv2dSettings Validate(string op)
    {
        if (Stride.Height <= 0 || Stride.Width <= 0 || Dilation.Height <= 0 || Dilation.Width <= 0 || Padding.Height < 0 || Padding.Width < 0)
        {
            throw new ArgumentOutOfRangeException(
                null, $"{op}: stride {Stride} and dilation {Dilation} must be positive and padding {Padding} non-negative.");
        }

        return this;
    }

    /// <summary>The window geometry for an NCHW input and a kernel size.</summary>
    public ConvGeometry Geometry(Shape input, int kernelHeight, int kernelWidth) =>
        new(input[1], input[2], input[3], kernelHeight, kernelWidth, Stride.Height, Stride.Width, Padding.Height, Padding.Width, Dilation.Height, Dilation.Width);

    /// <summary>The geometry, after checking that the (dilated) kernel fits the padded input at least once.</summary>
    /// <exception cref="ArgumentException">It does not; the message names the op, the input shape and the kernel size.</exception>
    public ConvGeometry CheckedGeometry(string op, Shape input, int kernelHeight, int kernelWidth)
    {
        ConvGeometry g = Geometry(input, kernelHeight, kernelWidth);
        if (g.OutHeight <= 0 || g.OutWidth <= 0)
        {
            throw new ArgumentException(
                $"{op}: a {kernelHeight}x{kernelWidth} kernel with dilation {Dilation} does not fit input {input} with padding {Padding}; " +
                $"the output would be {g.OutHeight}x{g.OutWidth}.");
        }

        return g;
    }
}
