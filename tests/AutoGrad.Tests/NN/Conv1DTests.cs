using AutoGrad.NN;
using AutoGrad.NN.Initializers;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary>Conv1D against a plain loop over PyTorch's Conv1d formula, its padding modes, and its gradients.</summary>
public class Conv1DTests
{
    public static TheoryData<int, int, int, int, int> Geometries() => new()
    {
        // kernel, stride, padding, dilation, length
        { 3, 1, 0, 1, 7 },
        { 3, 2, 1, 1, 8 },
        { 2, 1, 2, 3, 6 },
        { 4, 3, 0, 2, 11 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Conv1D_ExplicitPadding_EqualsHandLoop(int kernel, int stride, int padding, int dilation, int length)
    {
        var generator = new Generator(2);
        Tensor x = Tensor.RandN([2, 3, length], generator, DType.Float64);
        var conv = new Conv1D(4, kernel, stride, padding, dilation, biasInitializer: new RandomUniform(-1, 1, seed: 3));

        Tensor y = conv.Call(x);

        double[] expected = Reference(x, conv.Kernel!, conv.Bias!, stride, padding, padding, dilation, out int outLength);
        Assert.Equal(new[] { 2, 4, outLength }, y.Shape.ToArray());
        AssertClose(expected, y.ToArray<double>());
    }

    [Theory]
    [InlineData(3, 1, 1, 9)]   // total padding 2: one zero each side
    [InlineData(4, 1, 1, 9)]   // total 3: 1 before, 2 after (the odd zero goes after, as TensorFlow and PyTorch)
    [InlineData(3, 2, 1, 9)]   // stride 2: ⌈9/2⌉ = 5 outputs, total 2
    [InlineData(3, 1, 2, 6)]   // dilation 2: total 4
    public void Conv1D_SamePadding_KeepsCeilLengthOverStrideAndEqualsHandLoop(int kernel, int stride, int dilation, int length)
    {
        Tensor x = Tensor.RandN([1, 2, length], new Generator(4), DType.Float64);
        var conv = new Conv1D(3, kernel, stride, "same", dilation, biasInitializer: new RandomUniform(-1, 1, seed: 5));

        Tensor y = conv.Call(x);

        int outLength = (length + stride - 1) / stride;
        int total = Math.Max(((outLength - 1) * stride) + (dilation * (kernel - 1)) + 1 - length, 0);
        double[] expected = Reference(x, conv.Kernel!, conv.Bias!, stride, total / 2, total - (total / 2), dilation, out int referenceLength);
        Assert.Equal(outLength, referenceLength);
        Assert.Equal(new[] { 1, 3, outLength }, y.Shape.ToArray());
        AssertClose(expected, y.ToArray<double>());
    }

    [Fact]
    public void Conv1D_ParametersAndPaddingNames_FollowPyTorch()
    {
        var conv = new Conv1D(5, 3, padding: "valid");
        conv.Call(Tensor.Zeros([1, 2, 4]));

        Assert.Equal(new[] { "kernel", "bias" }, conv.NamedParameters().Select(p => p.Key));
        Assert.Equal(new[] { 5, 2, 3 }, conv.Kernel!.Shape.ToArray());
        Assert.Equal("valid", conv.Padding.ToString());
        Assert.Equal("(2, 2)", ((ConvPadding)2).ToString());
        Assert.Equal("(0, 2)", ((ConvPadding)(0, 2)).ToString());
        var unknown = Assert.Throws<ArgumentException>(() => new Conv1D(1, 1, padding: "full"));
        Assert.Contains("Unknown padding 'full'", unknown.Message);
        var channels = Assert.Throws<ArgumentException>(() => conv.Call(Tensor.Zeros([1, 3, 4])));
        Assert.Contains("Conv1D 'conv1d': the input has 3 channels", channels.Message);
    }

    [Theory]
    [InlineData(3, 1, "valid", 1)]
    [InlineData(3, 2, "1", 2)]
    [InlineData(4, 1, "same", 1)]
    public void Conv1D_LayerGradCheck_MatchesFiniteDifferences(int kernel, int stride, string padding, int dilation)
    {
        ConvPadding mode = int.TryParse(padding, out int zeros) ? zeros : padding;
        var conv = new Conv1D(3, kernel, stride, mode, dilation, activation: "tanh", biasInitializer: new RandomUniform(-1, 1, seed: 1));
        var result = LayerGradCheck.Check(conv, Tensor.RandN([2, 2, 9], new Generator(6)));
        Assert.True(result.Passed, result.Message);
    }

    [Theory]
    [InlineData(1, PaddingMode.Reflect)]
    [InlineData(1, PaddingMode.Replicate)]
    [InlineData(2, PaddingMode.Zeros)]
    [InlineData(4, PaddingMode.Reflect)] // depthwise: one input channel per group
    public void Conv1D_GroupsAndPaddingModes_EqualHandLoop(int groups, PaddingMode mode)
    {
        Tensor x = Tensor.RandN([2, 4, 7], new Generator(8), DType.Float64);
        var conv = new Conv1D(4, 3, stride: 2, padding: 2, dilation: 1, biasInitializer: new RandomUniform(-1, 1, seed: 9), groups: groups, paddingMode: mode);

        Tensor y = conv.Call(x);

        Assert.Equal(new[] { 4, 4 / groups, 3 }, conv.Kernel!.Shape.ToArray());
        double[] expected = Reference(x, conv.Kernel!, conv.Bias!, 2, 2, 2, 1, out int outLength, groups, mode);
        Assert.Equal(new[] { 2, 4, outLength }, y.Shape.ToArray());
        AssertClose(expected, y.ToArray<double>());
    }

    [Fact]
    public void Conv1D_GroupsAndReflectPadding_GradCheck()
    {
        var conv = new Conv1D(4, 3, padding: "same", activation: "tanh", biasInitializer: new RandomUniform(-1, 1, seed: 2), groups: 2,
            paddingMode: PaddingMode.Reflect);
        var result = LayerGradCheck.Check(conv, Tensor.RandN([2, 4, 6], new Generator(7)));
        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void Conv1D_BadGroups_NameTheLayerAndTheCounts()
    {
        var filters = Assert.Throws<ArgumentException>(() => new Conv1D(5, 3, groups: 2));
        Assert.Contains("groups 2 must divide filters 5", filters.Message);
        var channels = Assert.Throws<ArgumentException>(() => new Conv1D(4, 3, groups: 2, name: "c").Call(Tensor.Zeros([1, 3, 8])));
        Assert.Contains("Conv1D 'c': groups 2 must divide the input channels 3", channels.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv1D(4, 3, paddingMode: (PaddingMode)7));
    }

    /// <summary>
    /// y[b, f, l] = bias[f] + Σ_c Σ_k w[f, c, k] · x[b, g·C/G + c, l·s + k·d − before] for f in group g, with positions
    /// outside the input read as zero, mirrored (reflect: −1 → 1) or clamped (replicate), as PyTorch documents.
    /// </summary>
    private static double[] Reference(Tensor input, Tensor kernel, Tensor bias, int stride, int before, int after, int dilation, out int outLength,
        int groups = 1, PaddingMode mode = PaddingMode.Zeros)
    {
        int batch = input.Shape[0], inChannels = input.Shape[1], length = input.Shape[2];
        int filters = kernel.Shape[0], size = kernel.Shape[2], channels = kernel.Shape[1];
        double[] x = input.ToArray<double>(), w = kernel.ToArray<double>(), b = bias.ToArray<double>();
        outLength = ((length + before + after - (dilation * (size - 1)) - 1) / stride) + 1;
        var y = new double[batch * filters * outLength];
        for (int n = 0; n < batch; n++)
        {
            for (int f = 0; f < filters; f++)
            {
                for (int l = 0; l < outLength; l++)
                {
                    double sum = b[f];
                    int group = f / (filters / groups);
                    for (int c = 0; c < channels; c++)
                    {
                        int channel = (group * channels) + c;
                        for (int k = 0; k < size; k++)
                        {
                            int position = (l * stride) + (k * dilation) - before;
                            if (position < 0 || position >= length)
                            {
                                if (mode == PaddingMode.Zeros)
                                {
                                    continue;
                                }

                                position = mode == PaddingMode.Replicate
                                    ? Math.Clamp(position, 0, length - 1)
                                    : position < 0 ? -position : (2 * (length - 1)) - position;
                            }

                            sum += w[(((f * channels) + c) * size) + k] * x[(((n * inChannels) + channel) * length) + position];
                        }
                    }

                    y[(((n * filters) + f) * outLength) + l] = sum;
                }
            }
        }

        return y;
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
