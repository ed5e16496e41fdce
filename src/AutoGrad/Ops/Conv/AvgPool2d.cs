using AutoGrad.Ops.Conv;

namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// 2-D average pooling of an NCHW input over <paramref name="kernelSize"/>² windows; the stride defaults to the
    /// kernel size. Padding counts as zeros and every window divides by kernelSize² (PyTorch's count_include_pad=True),
    /// so the op stays linear. A composition: each channel is convolved with a constant 1/k² kernel, so gradients
    /// (of any order) are conv2d's.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not 4-D or the window does not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Kernel or stride is not positive, or padding is negative or more than half the kernel.</exception>
    public Tensor AvgPool2D(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) =>
        AvgPool2D((kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), ceilMode, countIncludePad);

    /// <summary>
    /// 2-D average pooling with (height, width) window, stride (the window when null) and zero padding, as PyTorch's
    /// <c>avg_pool2d</c>: output sizes as <c>MaxPool2D</c>. Each window
    /// sums the input (padding as zeros) and divides by its size clipped to the padded input [−p, L + p) — so by kH·kW
    /// except for ceil-mode windows running past the right padding — or, with <paramref name="countIncludePad"/> false,
    /// by the number of input elements it covers. A composition: a convolution of each channel with a constant kernel
    /// and, when the divisors differ, a product with a constant map of their reciprocals, so gradients of any order are
    /// conv2d's.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not 4-D or the window does not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Kernel or stride is not positive, or padding is negative or more than half the kernel.</exception>
    public Tensor AvgPool2D((int Height, int Width) kernelSize, (int Height, int Width)? stride, (int Height, int Width) padding, bool ceilMode = false, bool countIncludePad = true)
    {
        var settings = new PoolSettings(kernelSize, stride ?? kernelSize, padding, ceilMode);
        var g = settings.Geometry("avg_pool2d", Shape);
        int n = Shape[0], c = Shape[1], h = Shape[2], w = Shape[3];
        (int kH, int kW) = kernelSize;
        (int sH, int sW) = settings.Stride;
        (int pH, int pW) = padding;
        int oH = g.OutHeight, oW = g.OutWidth;

        // Ceil-mode windows can run past the right padding; extra zeros there let one convolution compute every sum.
        int extraH = Math.Max(0, ((oH - 1) * sH) + kH - (h + (2 * pH)));
        int extraW = Math.Max(0, ((oW - 1) * sW) + kW - (w + (2 * pW)));

        var divisors = new double[oH * oW];
        bool uniform = true;
        for (int i = 0; i < oH; i++)
        {
            for (int j = 0; j < oW; j++)
            {
                int top = (i * sH) - pH, left = (j * sW) - pW;
                int bottom = Math.Min(top + kH, h + pH), right = Math.Min(left + kW, w + pW);
                int count = countIncludePad
                    ? (bottom - top) * (right - left)
                    : (Math.Min(bottom, h) - Math.Max(top, 0)) * (Math.Min(right, w) - Math.Max(left, 0));
                divisors[(i * oW) + j] = count;
                uniform &= count == kH * kW;
            }
        }

        Tensor planes = Reshape(n * c, 1, h, w);
        (int, int) convPadding = padding;
        if (extraH > 0 || extraW > 0)
        {
            planes = planes.Pad([(0, 0), (0, 0), (pH, pH + extraH), (pW, pW + extraW)]);
            convPadding = (0, 0);
        }

        Tensor kernel = Full([1, 1, kH, kW], uniform ? 1.0 / (kH * kW) : 1.0, DType);
        Tensor pooled = planes.Conv2D(kernel, null, settings.Stride, convPadding, (1, 1));
        if (!uniform)
        {
            double[] reciprocals = [.. divisors.Select(d => 1.0 / d)];
            pooled = pooled.Mul(DType == DType.Float32 ? FromArray([.. reciprocals.Select(r => (float)r)], oH, oW) : FromArray(reciprocals, oH, oW));
        }

        return pooled.Reshape(n, c, oH, oW);
    }
}
