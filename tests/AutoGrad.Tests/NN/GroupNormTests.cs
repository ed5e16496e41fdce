using AutoGrad.Differentiation;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary><see cref="GroupNorm"/> against a plain loop of PyTorch's definition and finite differences.</summary>
public class GroupNormTests
{
    [Theory]
    [InlineData(2, 6, new[] { 2, 6, 3, 2 })]
    [InlineData(1, 4, new[] { 3, 4, 5 })]
    [InlineData(4, 4, new[] { 2, 4, 2, 3 })]
    [InlineData(3, 6, new[] { 2, 6 })]
    public void GroupNorm_Forward_MatchesLoopReference(int groups, int channels, int[] shape)
    {
        const double Epsilon = 1e-5;
        var generator = new Generator(5);
        var layer = new GroupNorm(groups, channels, Epsilon);
        layer.To(DType.Float64);
        double[] gamma = [.. Enumerable.Range(0, channels).Select(c => 0.5 + (0.25 * c))];
        double[] beta = [.. Enumerable.Range(0, channels).Select(c => (0.1 * c) - 0.2)];
        using (Autodiff.NoGrad())
        {
            layer.Gamma!.Assign(Tensor.FromArray(gamma, channels));
            layer.Beta!.Assign(Tensor.FromArray(beta, channels));
        }

        var x = Tensor.RandN(shape, generator, DType.Float64, mean: 3, std: 2);
        double[] data = x.ToArray<double>();
        double[] actual = layer.Call(x).ToArray<double>();

        int n = shape[0], spatial = data.Length / (n * channels), perGroup = channels / groups * spatial;
        for (int s = 0; s < n; s++)
        {
            for (int g = 0; g < groups; g++)
            {
                int offset = ((s * channels) + (g * (channels / groups))) * spatial;
                double mean = 0, variance = 0;
                for (int i = 0; i < perGroup; i++)
                {
                    mean += data[offset + i];
                }

                mean /= perGroup;
                for (int i = 0; i < perGroup; i++)
                {
                    variance += (data[offset + i] - mean) * (data[offset + i] - mean);
                }

                variance /= perGroup;   // biased, as PyTorch
                for (int i = 0; i < perGroup; i++)
                {
                    int c = (g * (channels / groups)) + (i / spatial);
                    double expected = ((data[offset + i] - mean) / Math.Sqrt(variance + Epsilon) * gamma[c]) + beta[c];
                    Assert.Equal(expected, actual[offset + i], 10);
                }
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GroupNorm_GradCheck_MatchesFiniteDifferences(bool affine)
    {
        var generator = new Generator(9);
        var layer = new GroupNorm(2, 4, affine: affine);
        layer.To(DType.Float64);
        if (affine)
        {
            using (Autodiff.NoGrad())
            {
                layer.Gamma!.Assign(Tensor.RandN([4], generator, DType.Float64));
                layer.Beta!.Assign(Tensor.RandN([4], generator, DType.Float64));
            }
        }

        var result = LayerGradCheck.Check(layer, Tensor.RandN([2, 4, 3, 2], generator, DType.Float64));
        Assert.True(result.Passed, result.Message);
        Assert.Equal(affine ? 2 : 0, layer.Parameters().Count);
    }

    [Fact]
    public void GroupNorm_GroupsNotDividingChannels_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GroupNorm(4, 6));
        Assert.Contains("6 channels cannot be split into 4 groups", error.Message);
        var shape = Assert.Throws<ArgumentException>(() => new GroupNorm(2, 4).Call(Tensor.Zeros([2, 6, 3])));
        Assert.Contains("GroupNorm 'group_norm': the input must be [N, 4, *], got shape", shape.Message);
    }
}
