using AutoGrad.Differentiation;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary>Every built-in layer's gradients (input and parameters) against finite differences, through <see cref="LayerGradCheck"/>.</summary>
public class LayerGradCheckTests
{
    public static TheoryData<string> Layers() =>
    [
        "dense linear", "dense tanh", "dense sigmoid", "dense softmax", "dense no bias", "dense rank 3",
        "leaky_relu", "elu", "gelu", "relu", "sigmoid", "tanh", "softmax axis 0", "flatten",
        "conv2d", "conv2d stride padding", "conv2d rectangular same stride 2", "conv2d depthwise reflect", "conv2d groups replicate",
        "conv_transpose2d", "max_pool2d", "max_pool2d rectangular ceil", "avg_pool2d", "avg_pool2d ceil exclude pad",
        "batch_norm train", "batch_norm eval", "batch_norm 4d", "layer_norm", "dropout eval", "sequential mlp",
    ];

    [Theory]
    [MemberData(nameof(Layers))]
    public void LayerGradCheck_BuiltInLayer_MatchesFiniteDifferences(string name)
    {
        var generator = new Generator(17);
        var (layer, input) = Create(name, generator);
        var result = LayerGradCheck.Check(layer, input);
        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void LayerGradCheck_Embedding_ChecksTheTableOnly()
    {
        var embedding = new Embedding(5, 3);
        var indices = Tensor.FromArray(new long[] { 4, 0, 4, 2 }, 2, 2);
        var result = LayerGradCheck.Check(embedding, indices, checkInput: false);
        Assert.True(result.Passed, result.Message);
        Assert.Equal(new[] { 2, 2, 3 }, embedding.Call(indices).Shape.ToArray());
    }

    [Fact]
    public void Embedding_Forward_PicksRows()
    {
        var embedding = new Embedding(3, 2, new AutoGrad.NN.Initializers.Constant(0), DType.Float64);
        using (Autodiff.NoGrad())
        {
            embedding.Weight.Assign(Tensor.FromArray(new double[,] { { 0, 1 }, { 2, 3 }, { 4, 5 } }));
        }

        Assert.Equal(new[] { 4.0, 5, 0, 1 }, embedding.Call(Tensor.FromArray(new long[] { 2, 0 })).ToArray<double>());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => embedding.Call(Tensor.FromArray(new long[] { 3 })));
        Assert.Contains("Embedding 'embedding': index 3 at flat position 0 is not in [0, 3).", error.Message);
        var floats = Assert.Throws<ArgumentException>(() => embedding.Call(Tensor.FromArray(new double[] { 1 })));
        Assert.StartsWith("Embedding 'embedding': the indices are f64[1], but indices must be an Int64 or Int32 tensor", floats.Message);
    }

    [Fact]
    public void BatchNorm_Training_NormalizesAndUpdatesRunningStatistics()
    {
        var norm = new BatchNorm(momentum: 0.5);
        var x = Tensor.FromArray(new double[,] { { 1, 10 }, { 3, 30 } });
        var y = norm.Call(x).ToArray<double>();
        // Per feature: mean 2 and 20, biased variance 1 and 100 → ±1 (ε makes it slightly less).
        Assert.Equal(-1, y[0], 4);
        Assert.Equal(1, y[3], 4);
        // Running mean 0.5·0 + 0.5·mean; running var 0.5·1 + 0.5·unbiased var (2 and 200).
        Assert.Equal(new[] { 1.0, 10.0 }, norm.RunningMean!.ToArray<double>());
        Assert.Equal(new[] { 1.5, 100.5 }, norm.RunningVar!.ToArray<double>());

        norm.Eval();
        var evaluated = norm.Call(Tensor.FromArray(new double[,] { { 1, 10 } })).ToArray<double>();
        Assert.Equal(0, evaluated[0], 4);
        Assert.Equal(0, evaluated[1], 4);
    }

    [Fact]
    public void LayerNorm_Forward_ZeroMeanUnitVariancePerSample()
    {
        var y = new LayerNorm(4).Call(Tensor.FromArray(new double[,] { { 1, 2, 3, 4 } }).To(DType.Float32)).ToArray<double>();
        Assert.Equal(0, y.Average(), 5);
        Assert.Equal(1, y.Select(v => v * v).Average(), 4);
    }

    [Fact]
    public void Dropout_TrainingWithSeed_ZeroesOrScalesAndIsIdentityInEval()
    {
        var dropout = new Dropout(0.25, seed: 3);
        var y = dropout.Call(Tensor.Ones([1000], DType.Float64)).ToArray<double>();
        Assert.All(y, v => Assert.True(v == 0 || Math.Abs(v - (1 / 0.75)) < 1e-12, $"unexpected {v}"));
        int dropped = y.Count(v => v == 0);
        Assert.InRange(dropped, 200, 300);
        dropout.Eval();
        Assert.All(dropout.Call(Tensor.Ones([10], DType.Float64)).ToArray<double>(), v => Assert.Equal(1.0, v));
    }

    [Fact]
    public void Conv2DAndPooling_Shapes_FollowStridesAndPadding()
    {
        var model = new Sequential(new Conv2D(4, 3, padding: 1), new MaxPool2D(2), new Conv2D(2, 3, stride: 2), new AvgPool2D(2, stride: 1), new Flatten());
        var y = model.Call(Tensor.Ones([2, 1, 12, 12]));
        // 12 → conv pad 1 → 12 → pool 2 → 6 → conv 3 stride 2 → 2 → avg 2 stride 1 → 1
        Assert.Equal(new[] { 2, 2 }, y.Shape.ToArray());
        Assert.Equal(new[] { 4, 1, 3, 3 }, model.NamedParameters()[0].Value.Shape.ToArray());
    }

    private static (Layer Layer, Tensor Input) Create(string name, Generator g)
    {
        Tensor N(params int[] shape) => Tensor.RandN(shape, g, DType.Float64);
        Tensor Distinct(params int[] shape)
        {
            int size = shape.Aggregate(1, (a, b) => a * b);
            var values = Enumerable.Range(0, size).Select(i => (i * 0.1) - 0.95).ToArray();
            g.Shuffle(values.AsSpan());
            return Tensor.FromArray(values, shape);
        }

        return name switch
        {
            "dense linear" => (new Dense(3), N(4, 2)),
            "dense tanh" => (new Dense(3, "tanh"), N(4, 2)),
            "dense sigmoid" => (new Dense(2, Activation.Sigmoid), N(3, 3)),
            "dense softmax" => (new Dense(3, "softmax"), N(2, 4)),
            "dense no bias" => (new Dense(2, useBias: false), N(3, 2)),
            "dense rank 3" => (new Dense(2), N(2, 3, 4)),
            "leaky_relu" => (new LeakyReLU(0.1), Distinct(3, 4)),
            "elu" => (new ELU(0.7), Distinct(3, 4)),
            "gelu" => (new GELU(), N(3, 4)),
            "relu" => (new ReLU(), Distinct(3, 4)),
            "sigmoid" => (new Sigmoid(), N(3, 4)),
            "tanh" => (new Tanh(), N(3, 4)),
            "softmax axis 0" => (new Softmax(0), N(3, 4)),
            "flatten" => (new Flatten(), N(2, 3, 2)),
            "conv2d" => (new Conv2D(2, 3, activation: "tanh"), N(2, 2, 5, 4)),
            "conv2d stride padding" => (new Conv2D(3, 2, stride: 2, padding: 1), N(1, 2, 5, 5)),
            "conv2d rectangular same stride 2" => (new Conv2D(2, (3, 2), stride: (2, 1), padding: "same", dilation: (1, 2)), N(1, 2, 5, 6)),
            "conv2d depthwise reflect" => (new Conv2D(4, 3, padding: 1, groups: 2, paddingMode: PaddingMode.Reflect), N(1, 2, 4, 4)),
            "conv2d groups replicate" => (new Conv2D(2, (2, 3), padding: "same", groups: 2, paddingMode: PaddingMode.Replicate, activation: "tanh"), N(2, 4, 3, 4)),
            "conv_transpose2d" => (new ConvTranspose2D(3, (3, 2), stride: 2, padding: (1, 0), outputPadding: (1, 0)), N(1, 2, 3, 3)),
            "max_pool2d" => (new MaxPool2D(2), Distinct(2, 1, 4, 4)),
            "max_pool2d rectangular ceil" => (new MaxPool2D((2, 3), stride: 2, ceilMode: true), Distinct(1, 2, 5, 5)),
            "avg_pool2d ceil exclude pad" => (new AvgPool2D(3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false), N(1, 2, 6, 5)),
            "avg_pool2d" => (new AvgPool2D(2, stride: 1), N(1, 2, 3, 3)),
            "batch_norm train" => (new BatchNorm(), N(5, 3)),
            "batch_norm eval" => (new BatchNorm().Eval(), N(5, 3)),
            "batch_norm 4d" => (new BatchNorm(), N(3, 2, 2, 2)),
            "layer_norm" => (new LayerNorm(4), N(3, 4)),
            "dropout eval" => (new Dropout(0.5).Eval(), N(3, 4)),
            "sequential mlp" => (new Sequential(new Dense(4, "gelu"), new LayerNorm(4), new Dense(2, "elu"), new Dense(1)), N(3, 3)),
            _ => throw new ArgumentException(name),
        };
    }
}
