using AutoGrad.Differentiation;
using AutoGrad.IO;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;
using AutoGrad.Tests.IO;

namespace AutoGrad.Tests.NN;

/// <summary>Conv2D's PyTorch options (rectangular, "same", groups, padding modes), ConvTranspose2D, and the batch_norm / layer_norm ops behind the layers.</summary>
public class ConvLayerOptionsTests
{
    [Theory]
    // H, W, kH, kW, sH, sW, dH, dW → "same" gives ⌈L / s⌉ per axis, with TensorFlow/Keras' split (odd element after)
    [InlineData(5, 6, 3, 4, 1, 1, 1, 1)]
    [InlineData(7, 6, 3, 2, 2, 3, 1, 1)]
    [InlineData(6, 5, 2, 3, 2, 2, 2, 1)]
    public void Conv2D_SamePadding_GivesCeilSizeAndEqualsExplicitKerasPadding(int h, int w, int kh, int kw, int sh, int sw, int dh, int dw)
    {
        var layer = new Conv2D(3, (kh, kw), stride: (sh, sw), padding: "same", dilation: (dh, dw), inChannels: 2);
        Tensor x = Tensor.RandN([2, 2, h, w], new Generator(4));
        Tensor y = layer.Call(x);

        Assert.Equal(new[] { 2, 3, (h + sh - 1) / sh, (w + sw - 1) / sw }, y.Shape.ToArray());
        static (int, int) Split(int size, int k, int s, int d)
        {
            int total = Math.Max((((size + s - 1) / s) - 1) * s + (d * (k - 1)) + 1 - size, 0);
            return (total / 2, total - (total / 2));
        }

        Tensor expected = x.Pad([(0, 0), (0, 0), Split(h, kh, sh, dh), Split(w, kw, sw, dw)])
            .Conv2D(layer.Kernel!, layer.Bias, (sh, sw), (0, 0), (dh, dw));
        Assert.Equal(expected.ToArray<float>(), y.ToArray<float>());
    }

    [Theory]
    [InlineData(PaddingMode.Reflect)]
    [InlineData(PaddingMode.Replicate)]
    public void Conv2D_PaddingMode_PadsWithThatModeThenConvolves(PaddingMode mode)
    {
        var layer = new Conv2D(4, (3, 2), padding: (1, 2), groups: 2, paddingMode: mode, inChannels: 2);
        Tensor x = Tensor.RandN([1, 2, 4, 5], new Generator(8));

        Tensor expected = x.Pad([(0, 0), (0, 0), (1, 1), (2, 2)], mode).Conv2D(layer.Kernel!, layer.Bias, groups: 2);

        Assert.Equal(new[] { 4, 1, 3, 2 }, layer.Kernel!.Shape.ToArray());
        Assert.Equal(expected.ToArray<float>(), layer.Call(x).ToArray<float>());
    }

    [Fact]
    public void Conv2D_IntArgumentsStillMeanSquareSettings()
    {
        var layer = new Conv2D(2, 3, stride: 2, padding: 1, dilation: 1, inChannels: 1);
        Assert.Equal(new Size2D(3, 3), layer.KernelSize);
        Assert.Equal((2, 2), layer.Stride.ToTuple());
        Assert.Equal("(1, 1)", layer.Padding.ToString());
        Assert.Equal(new[] { 1, 2, 4, 4 }, layer.Call(Tensor.Zeros([1, 1, 8, 8])).Shape.ToArray());
    }

    [Fact]
    public void Conv2D_BadArguments_AreRejectedNamingTheProblem()
    {
        var padding = Assert.Throws<ArgumentException>(() => new Conv2D(4, 3, padding: "full"));
        Assert.Contains("Unknown padding 'full': use \"valid\", \"same\"", padding.Message);
        var filters = Assert.Throws<ArgumentException>(() => new Conv2D(3, 3, groups: 2));
        Assert.Contains("groups 2 must divide filters 3", filters.Message);
        var channels = Assert.Throws<ArgumentException>(() => new Conv2D(4, 3, groups: 2, name: "dw").Call(Tensor.Zeros([1, 3, 5, 5])));
        Assert.Contains("Conv2D 'dw': groups 2 must divide the input channels 3", channels.Message);
        var kernel = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, (3, 0)));
        Assert.Contains("kernelSize must be positive on both axes", kernel.Message);
    }

    [Fact]
    public void ConvTranspose2D_Layer_UsesPyTorchLayoutAndSizeFormula()
    {
        var layer = new ConvTranspose2D(6, (3, 2), stride: (2, 3), padding: (1, 0), outputPadding: (1, 2), groups: 2, inChannels: 4);
        Tensor x = Tensor.RandN([2, 4, 3, 2], new Generator(9));
        Tensor y = layer.Call(x);

        Assert.Equal(new[] { 4, 3, 3, 2 }, layer.Kernel!.Shape.ToArray());
        // (3 − 1)·2 − 2 + 2 + 1 + 1 = 6 rows; (2 − 1)·3 − 0 + 1 + 2 + 1 = 7 columns.
        Assert.Equal(new[] { 2, 6, 6, 7 }, y.Shape.ToArray());
        Tensor expected = x.ConvTranspose2D(layer.Kernel!, layer.Bias, (2, 3), (1, 0), (1, 2), 2, (1, 1));
        Assert.Equal(expected.ToArray<float>(), y.ToArray<float>());
    }

    [Fact]
    public void ConvTranspose2D_PyTorchNaming_WritesWeightInTorchLayoutAndRoundTrips()
    {
        Sequential Build(long seed)
        {
            Generator.Default.Reseed(seed);
            return new Sequential(new ConvTranspose2D(3, 2, stride: 2, activation: "relu", inChannels: 2), new Conv2D(1, 3, inChannels: 3));
        }

        Sequential model = Build(1), fresh = Build(2);
        using var directory = new TempDirectory();
        string path = directory.File("deconv.safetensors");
        model.Save(path, naming: WeightNaming.PyTorch);

        var content = SafeTensorsFile.Load(path);
        Assert.Equal(["0.bias", "0.weight", "2.bias", "2.weight"], content.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal([2L, 3L, 2L, 2L], content["0.weight"].Shape);
        Tensor x = Tensor.RandN([1, 2, 3, 3], new Generator(3));
        using (Autodiff.NoGrad())
        {
            fresh.Load(path, naming: WeightNaming.PyTorch);
            Assert.Equal(model.Call(x).ToArray<float>(), fresh.Call(x).ToArray<float>());
        }
    }

    [Fact]
    public void BatchNormOp_Training_MatchesDefinitionAndUpdatesRunningStatistics()
    {
        Tensor x = Tensor.RandN([3, 2, 2, 2], new Generator(12), DType.Float64);
        Tensor mean = Tensor.FromArray(new double[] { 0.5, -1 }), variance = Tensor.FromArray(new double[] { 2, 3 });
        Tensor weight = Tensor.FromArray(new double[] { 1.5, -0.5 }), bias = Tensor.FromArray(new double[] { 0.25, 2 });

        Tensor y = x.BatchNorm(mean, variance, weight, bias, training: true, momentum: 0.2, epsilon: 1e-3);

        double[] xs = x.ToArray<double>(), ys = y.ToArray<double>();
        for (int c = 0; c < 2; c++)
        {
            var values = new List<(int Index, double Value)>();
            for (int n = 0; n < 3; n++)
            for (int i = 0; i < 4; i++)
            {
                int index = (((n * 2) + c) * 4) + i;
                values.Add((index, xs[index]));
            }

            double mu = values.Average(v => v.Value);
            double biased = values.Average(v => (v.Value - mu) * (v.Value - mu));
            foreach (var (index, value) in values)
            {
                Assert.Equal(((value - mu) / Math.Sqrt(biased + 1e-3) * weight.ToArray<double>()[c]) + bias.ToArray<double>()[c], ys[index], 1e-12);
            }

            // PyTorch: running = 0.8·running + 0.2·batch, with the unbiased variance (12 values → divide by 11).
            Assert.Equal((0.8 * new[] { 0.5, -1 }[c]) + (0.2 * mu), mean.ToArray<double>()[c], 1e-12);
            Assert.Equal((0.8 * new[] { 2.0, 3 }[c]) + (0.2 * biased * 12 / 11), variance.ToArray<double>()[c], 1e-12);
        }
    }

    [Fact]
    public void BatchNormOp_Eval_UsesRunningStatisticsAndRequiresThem()
    {
        Tensor x = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2);
        Tensor y = x.BatchNorm(Tensor.FromArray(new double[] { 1, 2 }), Tensor.FromArray(new double[] { 4, 1 }), epsilon: 0);
        Assert.Equal(new[] { 0.0, 0, 1, 2 }, y.ToArray<double>());

        var ex = Assert.Throws<ArgumentException>(() => x.BatchNorm(null, null));
        Assert.Contains("batch_norm: evaluation mode (training: false) normalizes with the running statistics", ex.Message);
        var shape = Assert.Throws<ArgumentException>(() => x.BatchNorm(null, null, weight: Tensor.Ones([3], DType.Float64), training: true));
        Assert.Contains("the weight (3,) must have shape (2,), one value per channel of the input (2, 2)", shape.Message);
    }

    [Fact]
    public void BatchNormLayer_IsTheOp()
    {
        var layer = new BatchNorm(momentum: 0.3);
        Tensor x = Tensor.RandN([4, 3], new Generator(6));
        Tensor y = layer.Call(x);
        Tensor mean = Tensor.Zeros([3]), variance = Tensor.Ones([3]);
        Assert.Equal(x.BatchNorm(mean, variance, layer.Gamma, layer.Beta, training: true, momentum: 0.3).ToArray<float>(), y.ToArray<float>());
        Assert.Equal(mean.ToArray<float>(), layer.RunningMean!.ToArray<float>());
        Assert.Equal(variance.ToArray<float>(), layer.RunningVar!.ToArray<float>());
    }

    [Fact]
    public void LayerNormOp_MatchesDefinitionOverTrailingAxes()
    {
        Tensor x = Tensor.RandN([2, 3, 4], new Generator(7), DType.Float64);
        Tensor weight = Tensor.RandN([3, 4], new Generator(8), DType.Float64), bias = Tensor.RandN([3, 4], new Generator(9), DType.Float64);
        double[] xs = x.ToArray<double>(), ws = weight.ToArray<double>(), bs = bias.ToArray<double>();

        double[] ys = x.LayerNorm([3, 4], weight, bias, epsilon: 1e-4).ToArray<double>();

        for (int n = 0; n < 2; n++)
        {
            double[] sample = xs[(n * 12)..((n + 1) * 12)];
            double mu = sample.Average(), variance = sample.Average(v => (v - mu) * (v - mu));
            for (int i = 0; i < 12; i++)
            {
                Assert.Equal(((sample[i] - mu) / Math.Sqrt(variance + 1e-4) * ws[i]) + bs[i], ys[(n * 12) + i], 1e-12);
            }
        }

        var ex = Assert.Throws<ArgumentException>(() => x.LayerNorm([4, 3]));
        Assert.Contains("layer_norm: the trailing axes of the input (2, 3, 4) must be the normalized shape (4, 3)", ex.Message);
    }
}
