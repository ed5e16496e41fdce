using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Conv;

public class Conv2dTests
{
    public static TheoryData<int[], int[], bool, int, int, int, int, int, int, DType> Configurations() => new()
    {
        // input, weight, bias, strideH, strideW, padH, padW, dilH, dilW, dtype
        { [2, 3, 6, 5], [4, 3, 3, 3], false, 1, 1, 0, 0, 1, 1, DType.Float64 },
        { [2, 3, 6, 5], [4, 3, 3, 3], true, 1, 1, 1, 1, 1, 1, DType.Float32 },
        { [1, 2, 7, 7], [3, 2, 3, 3], true, 2, 2, 1, 1, 1, 1, DType.Float64 },
        { [2, 2, 9, 8], [2, 2, 3, 3], false, 1, 1, 0, 0, 2, 2, DType.Float32 },
        { [1, 1, 8, 6], [2, 1, 2, 3], true, 2, 1, 1, 0, 1, 2, DType.Float64 },
        { [3, 2, 5, 5], [1, 2, 1, 1], false, 2, 3, 2, 1, 1, 1, DType.Float32 },
        { [1, 1, 3, 3], [1, 1, 3, 3], false, 1, 1, 2, 2, 3, 3, DType.Float64 },
        { [6, 8, 10, 10], [16, 8, 3, 3], true, 1, 1, 1, 1, 1, 1, DType.Float32 }, // split across cores
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Conv2D_Configurations_MatchDirectLoops(int[] inputShape, int[] weightShape, bool withBias, int sh, int sw, int ph, int pw, int dh, int dw, DType dtype)
    {
        var g = new Generator(3);
        Tensor x = Tensor.RandN(inputShape, g, dtype), w = Tensor.RandN(weightShape, g, dtype);
        Tensor? b = withBias ? Tensor.RandN([weightShape[0]], g, dtype) : null;

        Tensor y = x.Conv2D(w, b, (sh, sw), (ph, pw), (dh, dw));

        double[] expected = Reference(x, w, b, sh, sw, ph, pw, dh, dw, out int[] shape);
        Assert.Equal(shape, y.Shape.ToArray());
        Assert.Equal(dtype, y.DType);
        double[] actual = y.ToArray<double>();
        double tolerance = dtype == DType.Float32 ? 1e-4 : 1e-12;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    [Theory]
    [InlineData(2, 4, 9, 6, 2, 1)]
    [InlineData(5, 8, 12, 16, 1, 1)] // large enough to split the batch across cores
    public void Conv2D_Backward_MatchesDirectAdjoints(int batch, int channels, int size, int outChannels, int stride, int padding)
    {
        var g = new Generator(5);
        Tensor x = Tensor.RandN([batch, channels, size, size], g, DType.Float64).RequireGrad();
        Tensor w = Tensor.RandN([outChannels, channels, 3, 3], g, DType.Float64).RequireGrad();
        Tensor y = x.Conv2D(w, null, stride, padding);
        int o = y.Shape[2];
        Tensor upstream = Tensor.RandN(y.Shape, g, DType.Float64);
        y.Mul(upstream).Sum().Backward();

        double[] dx = new double[x.Size], dwRef = new double[w.Size];
        double[] xs = x.ToArray<double>(), ws = w.ToArray<double>(), us = upstream.ToArray<double>();
        for (int n = 0; n < batch; n++)
        for (int j = 0; j < outChannels; j++)
        for (int oh = 0; oh < o; oh++)
        for (int ow = 0; ow < o; ow++)
        for (int c = 0; c < channels; c++)
        for (int ki = 0; ki < 3; ki++)
        for (int kj = 0; kj < 3; kj++)
        {
            int ih = (oh * stride) - padding + ki, iw = (ow * stride) - padding + kj;
            if (ih < 0 || ih >= size || iw < 0 || iw >= size)
            {
                continue;
            }

            double u = us[(((n * outChannels) + j) * o * o) + (oh * o) + ow];
            int xi = (((n * channels) + c) * size * size) + (ih * size) + iw, wi = (((j * channels) + c) * 9) + (ki * 3) + kj;
            dx[xi] += u * ws[wi];
            dwRef[wi] += u * xs[xi];
        }

        Assert.Equal(dx, x.Grad!.ToArray<double>(), (a, b) => Math.Abs(a - b) < 1e-9);
        Assert.Equal(dwRef, w.Grad!.ToArray<double>(), (a, b) => Math.Abs(a - b) < 1e-9);
    }

    [Fact]
    public void Conv2D_Gradient_IsRecordedWithConvGradientOps()
    {
        Tensor x = Tensor.RandN([1, 1, 4, 4], new Generator(1), DType.Float64).RequireGrad();
        Tensor w = Tensor.RandN([1, 1, 3, 3], new Generator(2), DType.Float64).RequireGrad();
        Tensor[] grads = Autodiff.Grad(x.Conv2D(w).Sum(), [x, w], createGraph: true);
        Assert.Equal("conv2d_input_grad", grads[0].GradFn!.Op.Name);
        Assert.Equal("conv2d_filter_grad", grads[1].GradFn!.Op.Name);
        Assert.Equal("conv2d_input_grad[stride=(1,1), padding=(0,0), dilation=(1,1), input_size=(4,4)]", grads[0].GradFn!.Op.ToString());
    }

    [Fact]
    public void Conv2D_ChannelMismatch_NamesOpAndBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 3, 5, 5]).Conv2D(Tensor.Zeros([4, 2, 3, 3])));
        Assert.Contains("conv2d", ex.Message);
        Assert.Contains("(2, 3, 5, 5)", ex.Message);
        Assert.Contains("(4, 2, 3, 3)", ex.Message);
        Assert.Contains("3 channels", ex.Message);
    }

    [Theory]
    [InlineData(new[] { 3, 5, 5 }, new[] { 4, 3, 3, 3 }, "must have 4 axes, got shape (3, 5, 5)")]
    [InlineData(new[] { 1, 3, 2, 2 }, new[] { 4, 3, 3, 3 }, "does not fit input (1, 3, 2, 2)")]
    public void Conv2D_BadShapes_ExplainWhy(int[] input, int[] weight, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(input).Conv2D(Tensor.Zeros(weight)));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Conv2D_BiasOfWrongSize_NamesBiasAndWeightShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([1, 2, 4, 4]).Conv2D(Tensor.Zeros([3, 2, 3, 3]), Tensor.Zeros([2])));
        Assert.Contains("bias (2,) must have shape (3,)", ex.Message);
    }

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(1, -1, 1)]
    [InlineData(1, 0, 0)]
    public void Conv2D_BadSettings_Throw(int stride, int padding, int dilation)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros([1, 1, 4, 4]).Conv2D(Tensor.Zeros([1, 1, 2, 2]), null, stride, padding, dilation));
        Assert.Contains($"stride ({stride}, {stride}) and dilation ({dilation}, {dilation}) must be positive and padding ({padding}, {padding})", ex.Message);
    }

    // A direct 7-loop convolution in double precision.
    private static double[] Reference(Tensor x, Tensor w, Tensor? b, int sh, int sw, int ph, int pw, int dh, int dw, out int[] shape)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int o = w.Shape[0], kh = w.Shape[2], kw = w.Shape[3];
        int oh = ((h + (2 * ph) - (dh * (kh - 1)) - 1) / sh) + 1, ow = ((wd + (2 * pw) - (dw * (kw - 1)) - 1) / sw) + 1;
        shape = [n, o, oh, ow];
        double[] xs = x.ToArray<double>(), ws = w.ToArray<double>(), bs = b?.ToArray<double>() ?? new double[o];
        var y = new double[n * o * oh * ow];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < o; j++)
        for (int r = 0; r < oh; r++)
        for (int s = 0; s < ow; s++)
        {
            double sum = bs[j];
            for (int k = 0; k < c; k++)
            for (int p = 0; p < kh; p++)
            for (int q = 0; q < kw; q++)
            {
                int ih = (r * sh) - ph + (p * dh), iw = (s * sw) - pw + (q * dw);
                if (ih >= 0 && ih < h && iw >= 0 && iw < wd)
                {
                    sum += xs[(((i * c) + k) * h * wd) + (ih * wd) + iw] * ws[(((j * c) + k) * kh * kw) + (p * kw) + q];
                }
            }

            y[(((i * o) + j) * oh * ow) + (r * ow) + s] = sum;
        }

        return y;
    }
}
