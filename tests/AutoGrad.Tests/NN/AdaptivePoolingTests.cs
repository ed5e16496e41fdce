using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary><see cref="GlobalAveragePooling2D"/> and <see cref="AdaptiveAvgPool2D"/> against plain loops and finite differences.</summary>
public class AdaptivePoolingTests
{
    private static double[] Sequence(int count) => [.. Enumerable.Range(0, count).Select(i => Math.Sin(i * 0.7) + (i * 0.01))];

    [Fact]
    public void GlobalAveragePooling2D_Forward_AveragesEachChannel()
    {
        double[] data = Sequence(2 * 3 * 4 * 5);
        var x = Tensor.FromArray(data, 2, 3, 4, 5);
        var y = new GlobalAveragePooling2D().Call(x);
        Assert.Equal(new[] { 2, 3 }, y.Shape.ToArray());
        double[] actual = y.ToArray<double>();
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                double sum = 0;
                for (int i = 0; i < 20; i++)
                {
                    sum += data[(((n * 3) + c) * 20) + i];
                }

                Assert.Equal(sum / 20, actual[(n * 3) + c], 12);
            }
        }

        Assert.Equal(new[] { 2, 3, 1, 1 }, new GlobalAveragePooling2D(keepDims: true).Call(x).Shape.ToArray());
    }

    [Fact]
    public void AdaptiveAvgPool2D_FiveToThree_UsesOverlappingPyTorchBins()
    {
        // torch.nn.AdaptiveAvgPool2d((1, 3)) on [[1, 2, 3, 4, 5]]: bins [0, 2), [1, 4), [3, 5) → 1.5, 3, 4.5.
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5 }, 1, 1, 1, 5);
        var y = new AdaptiveAvgPool2D(1, 3).Call(x);
        Assert.Equal(new[] { 1, 1, 1, 3 }, y.Shape.ToArray());
        Assert.Equal(new[] { 1.5, 3, 4.5 }, y.ToArray<double>());
    }

    [Theory]
    [InlineData(5, 7, 3, 4)]
    [InlineData(6, 6, 2, 3)]
    [InlineData(3, 2, 4, 5)]   // larger than the input: cells repeat
    [InlineData(4, 5, 1, 1)]
    public void AdaptiveAvgPool2D_Forward_MatchesLoopReference(int h, int w, int outH, int outW)
    {
        const int N = 2, C = 3;
        double[] data = Sequence(N * C * h * w);
        var y = new AdaptiveAvgPool2D(outH, outW).Call(Tensor.FromArray(data, N, C, h, w));
        Assert.Equal(new[] { N, C, outH, outW }, y.Shape.ToArray());
        double[] actual = y.ToArray<double>();
        for (int n = 0; n < N; n++)
        {
            for (int c = 0; c < C; c++)
            {
                for (int i = 0; i < outH; i++)
                {
                    int h0 = (int)Math.Floor(i * (double)h / outH), h1 = (int)Math.Ceiling((i + 1) * (double)h / outH);
                    for (int j = 0; j < outW; j++)
                    {
                        int w0 = (int)Math.Floor(j * (double)w / outW), w1 = (int)Math.Ceiling((j + 1) * (double)w / outW);
                        double sum = 0;
                        for (int a = h0; a < h1; a++)
                        {
                            for (int b = w0; b < w1; b++)
                            {
                                sum += data[(((((n * C) + c) * h) + a) * w) + b];
                            }
                        }

                        Assert.Equal(sum / ((h1 - h0) * (w1 - w0)), actual[(((((n * C) + c) * outH) + i) * outW) + j], 12);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData("global")]
    [InlineData("adaptive 5x7 to 3x4")]
    [InlineData("adaptive 3x2 to 4x5")]
    public void PoolingLayer_GradCheck_MatchesFiniteDifferences(string name)
    {
        var generator = new Generator(3);
        (Layer layer, int[] shape) = name switch
        {
            "global" => ((Layer)new GlobalAveragePooling2D(), new[] { 2, 3, 4, 5 }),
            "adaptive 5x7 to 3x4" => (new AdaptiveAvgPool2D(3, 4), new[] { 2, 2, 5, 7 }),
            _ => (new AdaptiveAvgPool2D(4, 5), new[] { 1, 2, 3, 2 }),
        };
        var result = LayerGradCheck.Check(layer, Tensor.RandN(shape, generator, DType.Float64));
        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void AdaptiveAvgPool2D_Rank3Input_ThrowsNamingTheShape()
    {
        var error = Assert.Throws<ArgumentException>(() => new AdaptiveAvgPool2D(2).Call(Tensor.Zeros([1, 4, 4])));
        Assert.Contains("AdaptiveAvgPool2D 'adaptive_avg_pool2d': the input must be [N, C, H, W]", error.Message);
    }
}
