using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Conv;

public class PoolingTests
{
    [Theory]
    [InlineData(2, null, 0, DType.Float32)]
    [InlineData(3, 1, 0, DType.Float64)]
    [InlineData(3, 2, 1, DType.Float32)]
    [InlineData(2, 1, 1, DType.Float64)]
    [InlineData(4, 3, 2, DType.Float64)]
    public void Pool2D_Configurations_MatchDirectLoops(int kernel, int? stride, int padding, DType dtype)
    {
        Tensor x = Tensor.RandN([2, 3, 7, 6], new Generator(11), dtype);
        double[] expectedMax = Reference(x, kernel, stride ?? kernel, padding, average: false, out int[] shape);
        double[] expectedAvg = Reference(x, kernel, stride ?? kernel, padding, average: true, out _);

        Tensor max = x.MaxPool2D(kernel, stride, padding), avg = x.AvgPool2D(kernel, stride, padding);

        Assert.Equal(shape, max.Shape.ToArray());
        Assert.Equal(shape, avg.Shape.ToArray());
        Assert.Equal(expectedMax, max.ToArray<double>(), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal(expectedAvg, avg.ToArray<double>(), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void MaxPool2D_NegativeInputWithPadding_IgnoresPadding()
    {
        Tensor x = Tensor.Full([1, 1, 2, 2], -3.0);
        Tensor y = x.MaxPool2D(2, 1, 1);
        Assert.Equal(Enumerable.Repeat(-3f, 9), y.ToArray());
    }

    [Fact]
    public void AvgPool2D_WithPadding_CountsPaddingAsZeros()
    {
        // count_include_pad=True: the corner window holds one real element and three padding zeros.
        Tensor y = Tensor.Ones([1, 1, 2, 2]).AvgPool2D(2, 1, 1);
        Assert.Equal(new[] { 0.25f, 0.5f, 0.25f, 0.5f, 1f, 0.5f, 0.25f, 0.5f, 0.25f }, y.ToArray());
    }

    [Fact]
    public void MaxPool2D_Tie_GradientGoesToFirstElementInWindow()
    {
        Tensor x = Tensor.FromArray(new double[] { 1, 5, 5, 2 }, 1, 1, 2, 2).RequireGrad();
        x.MaxPool2D(2).Sum().Backward();
        Assert.Equal(new[] { 0.0, 1, 0, 0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaxPool2D_OverlappingWindows_AccumulatesGradient()
    {
        Tensor x = Tensor.FromArray(new double[] { 0, 1, 0, 0, 9, 0, 0, 1, 0 }, 1, 1, 3, 3).RequireGrad();
        x.MaxPool2D(2, 1).Sum().Backward();
        Assert.Equal(new[] { 0.0, 0, 0, 0, 4, 0, 0, 0, 0 }, x.Grad!.ToArray<double>());
    }

    [Theory]
    [InlineData(2, 2, 2, "padding (2, 2) must be between 0 and half the kernel size (2, 2) on each axis")]
    [InlineData(0, 1, 0, "kernel size (0, 0) and stride (1, 1) must be positive")]
    public void MaxPool2D_BadArguments_ExplainWhy(int kernel, int stride, int padding, string expected)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros([1, 1, 4, 4]).MaxPool2D(kernel, stride, padding));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void AvgPool2D_ThreeDimensionalInput_NamesShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([1, 4, 4]).AvgPool2D(2));
        Assert.Contains("avg_pool2d: input (N, C, H, W) must have 4 axes, got shape (1, 4, 4)", ex.Message);
    }

    private static double[] Reference(Tensor x, int k, int s, int p, bool average, out int[] shape)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int oh = ((h + (2 * p) - k) / s) + 1, ow = ((w + (2 * p) - k) / s) + 1;
        shape = [n, c, oh, ow];
        double[] xs = x.ToArray<double>();
        var y = new List<double>();
        for (int plane = 0; plane < n * c; plane++)
        for (int r = 0; r < oh; r++)
        for (int q = 0; q < ow; q++)
        {
            double sum = 0, max = double.NegativeInfinity;
            for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                int ih = (r * s) - p + i, iw = (q * s) - p + j;
                if (ih >= 0 && ih < h && iw >= 0 && iw < w)
                {
                    double v = xs[(plane * h * w) + (ih * w) + iw];
                    sum += v;
                    max = Math.Max(max, v);
                }
            }

            y.Add(average ? sum / (k * k) : max);
        }

        return [.. y];
    }
}
