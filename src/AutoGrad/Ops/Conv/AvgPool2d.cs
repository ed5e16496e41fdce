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
    public Tensor AvgPool2D(int kernelSize, int? stride = null, int padding = 0)
    {
        int s = stride ?? kernelSize;
        var g = MaxPool2dIndicesOp.Geometry("avg_pool2d", Shape, kernelSize, s, padding);
        int n = Shape[0], c = Shape[1];
        Tensor kernel = Full([1, 1, kernelSize, kernelSize], 1.0 / (kernelSize * kernelSize), DType);
        return Reshape(n * c, 1, Shape[2], Shape[3])
            .Conv2D(kernel, null, s, padding)
            .Reshape(n, c, g.OutHeight, g.OutWidth);
    }
}
