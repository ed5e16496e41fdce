using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Conv;

/// <summary>Window, stride and padding per spatial axis (height, width) and PyTorch's <c>ceil_mode</c>, shared by max and average pooling.</summary>
internal sealed record PoolSettings((int Height, int Width) Kernel, (int Height, int Width) Stride, (int Height, int Width) Padding, bool CeilMode)
{
    /// <summary>The attributes in printed order.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("kernel_size", new[] { Kernel.Height, Kernel.Width }), new("stride", new[] { Stride.Height, Stride.Width }),
            new("padding", new[] { Padding.Height, Padding.Width }), new("ceil_mode", CeilMode)];

    /// <summary>Checks the settings against an NCHW input and returns the per-plane window geometry.</summary>
    /// <exception cref="ArgumentException">The input is not 4-D, or the window does not fit the padded input.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Kernel or stride is not positive, or padding is negative or more than half the kernel.</exception>
    public ConvGeometry Geometry(string op, Shape x)
    {
        ShapeChecks.Rank(op, x, 4, "input (N, C, H, W)");
        if (Kernel.Height <= 0 || Kernel.Width <= 0 || Stride.Height <= 0 || Stride.Width <= 0)
        {
            throw new ArgumentOutOfRangeException(null, $"{op}: kernel size {Kernel} and stride {Stride} must be positive.");
        }

        if (Padding.Height < 0 || Padding.Width < 0 || Padding.Height > Kernel.Height / 2 || Padding.Width > Kernel.Width / 2)
        {
            // Beyond half the kernel a window could lie entirely in the padding and have no element to pick (PyTorch's rule too).
            throw new ArgumentOutOfRangeException(null, $"{op}: padding {Padding} must be between 0 and half the kernel size {Kernel} on each axis.");
        }

        var g = new ConvGeometry(1, x[2], x[3], Kernel.Height, Kernel.Width, Stride.Height, Stride.Width, Padding.Height, Padding.Width, 1, 1, CeilMode);
        if (g.OutHeight <= 0 || g.OutWidth <= 0)
        {
            throw new ArgumentException(
                $"{op}: a {Kernel.Height}x{Kernel.Width} window with padding {Padding} does not fit input {x} " +
                $"(padded size {x[2] + (2 * Padding.Height)}x{x[3] + (2 * Padding.Width)}).");
        }

        return g;
    }
}
