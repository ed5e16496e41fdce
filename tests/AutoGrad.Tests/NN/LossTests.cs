using AutoGrad.Differentiation;
using AutoGrad.NN.Losses;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

public class LossTests
{
    private static Tensor T(params double[] values) => Tensor.FromArray(values);

    /// <summary>Int64 class labels.</summary>
    private static Tensor L(params long[] values) => Tensor.FromArray(values);

    private static Tensor M(double[,] values) => Tensor.FromArray(values);

    public static TheoryData<string, double> KnownValues() => new()
    {
        // (0.5² + 0 + 1²) / 3
        { "mse", 1.25 / 3 },
        // (0.5 + 0 + 1) / 3
        { "mae", 0.5 },
        // d = [-0.5, 0, 1]: ½·0.25, 0, ½·1 → mean 0.625/3
        { "huber", 0.625 / 3 },
    };

    [Theory]
    [MemberData(nameof(KnownValues))]
    public void RegressionLoss_HandComputedExample_MatchesKnownValue(string name, double expected)
    {
        var loss = Loss.FromName(name);
        Assert.Equal(expected, loss.Compute(T(1, 2, 3), T(1.5, 2, 2)).ItemDouble(), 12);
    }

    [Fact]
    public void Huber_BeyondDelta_IsLinear()
    {
        // d = [0.5, 2, -3], δ = 1: 0.125, 1·(2 − 0.5) = 1.5, 1·(3 − 0.5) = 2.5
        var value = new Huber(1.0).Compute(T(0.5, 2, -3), T(0, 0, 0)).ItemDouble();
        Assert.Equal(4.125 / 3, value, 12);
    }

    [Fact]
    public void BinaryCrossEntropy_Probabilities_MatchesNegativeLogLikelihood()
    {
        var value = new BinaryCrossEntropy().Compute(T(0.9, 0.2), T(1, 0)).ItemDouble();
        Assert.Equal(0.164252033486018, value, 12);
    }

    [Fact]
    public void BinaryCrossEntropy_SaturatedWrongPrediction_IsClampedNotInfinite()
    {
        var value = new BinaryCrossEntropy().Compute(T(1.0), T(0.0)).ItemDouble();
        Assert.Equal(16.11809565095832, value, 6);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_KnownValues_AndStableForHugeLogits()
    {
        var loss = new BinaryCrossEntropyWithLogits();
        Assert.Equal(0.3777789597070469, loss.Compute(T(2, -1, 0), T(1, 0, 1)).ItemDouble(), 12);

        // e^1000 overflows; the stable form gives exactly the margin.
        var huge = new BinaryCrossEntropyWithLogits(Reduction.None).Compute(T(1000, -1000), T(0, 1));
        Assert.Equal(new[] { 1000.0, 1000.0 }, huge.ToArray<double>());
    }

    [Fact]
    public void BinaryCrossEntropyWithLogits_Gradient_IsSigmoidMinusTarget()
    {
        var x = T(2, -1, 0).RequireGrad();
        new BinaryCrossEntropyWithLogits(Reduction.Sum).Compute(x, T(1, 0, 1)).Backward();
        double S(double v) => 1 / (1 + Math.Exp(-v));
        var expected = new[] { S(2) - 1, S(-1), S(0) - 1 };
        var actual = x.Grad!.ToArray<double>();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i], actual[i], 12);
        }
    }

    [Fact]
    public void CrossEntropy_IntegerLabels_MatchesKnownPyTorchValue()
    {
        // torch.nn.functional.cross_entropy(tensor([[1., 2, 3], [1, 0, -1]]), tensor([2, 0])) = 0.4076
        var value = new CrossEntropy().Compute(M(new double[,] { { 1, 2, 3 }, { 1, 0, -1 } }), L(2, 0)).ItemDouble();
        Assert.Equal(0.40760596444438024, value, 12);
    }

    [Fact]
    public void CrossEntropy_OneHotTargets_EqualIntegerLabels()
    {
        var logits = M(new double[,] { { 1, 2, 3 }, { 1, 0, -1 } });
        var oneHot = M(new double[,] { { 0, 0, 1 }, { 1, 0, 0 } });
        Assert.Equal(new CrossEntropy().Compute(logits, L(2, 0)).ItemDouble(), new CrossEntropy().Compute(logits, oneHot).ItemDouble(), 14);
    }

    [Fact]
    public void CrossEntropy_SoftTargets_MatchesHandComputedValue()
    {
        var logits = M(new double[,] { { 1, 2, 3 }, { 1, 0, -1 } });
        var soft = M(new double[,] { { 0.2, 0.3, 0.5 }, { 0.6, 0.4, 0.0 } });
        Assert.Equal(0.9576059644443802, new CrossEntropy().Compute(logits, soft).ItemDouble(), 12);
    }

    [Fact]
    public void CrossEntropy_LabelSmoothing_MatchesKnownPyTorchValue()
    {
        // cross_entropy(..., label_smoothing=0.2) = 0.6076
        var value = new CrossEntropy(labelSmoothing: 0.2).Compute(M(new double[,] { { 1, 2, 3 }, { 1, 0, -1 } }), L(2, 0)).ItemDouble();
        Assert.Equal(0.6076059644443802, value, 12);
    }

    [Fact]
    public void CrossEntropy_HugeLogits_StaysFinite()
    {
        var value = new CrossEntropy().Compute(M(new double[,] { { 1000, 0 } }), L(1)).ItemDouble();
        Assert.Equal(1000.0, value, 9);
    }

    [Fact]
    public void CrossEntropy_Gradient_IsSoftmaxMinusOneHotOverBatch()
    {
        var logits = M(new double[,] { { 1, 2, 3 } }).RequireGrad();
        new CrossEntropy().Compute(logits, L(2)).Backward();
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        var expected = new[] { Math.Exp(1) / z, Math.Exp(2) / z, (Math.Exp(3) / z) - 1 };
        var actual = logits.Grad!.ToArray<double>();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i], actual[i], 12);
        }
    }

    [Fact]
    public void NllLoss_LogProbabilities_PicksNegatedLabelEntries()
    {
        var logProbabilities = M(new double[,] { { -0.1, -2.5 }, { -1.2, -0.4 } });
        Assert.Equal((0.1 + 0.4) / 2, new NllLoss().Compute(logProbabilities, L(0, 1)).ItemDouble(), 12);
    }

    [Theory]
    [InlineData(Reduction.Sum, 1.25)]
    [InlineData(Reduction.Mean, 1.25 / 3)]
    public void Reduction_SumOrMean_CombinesElements(Reduction reduction, double expected)
    {
        Assert.Equal(expected, new MeanSquaredError(reduction).Compute(T(1, 2, 3), T(1.5, 2, 2)).ItemDouble(), 12);
    }

    [Fact]
    public void Reduction_None_KeepsElements()
    {
        Assert.Equal(new[] { 0.25, 0, 1 }, new MeanSquaredError(Reduction.None).Compute(T(1, 2, 3), T(1.5, 2, 2)).ToArray<double>());
    }

    [Fact]
    public void MeanSquaredError_ShapeMismatch_NamesBothShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => new MeanSquaredError().Compute(Tensor.Zeros([4, 1]), Tensor.Zeros([4])));
        Assert.StartsWith("mse: the prediction has shape (4, 1) but the target has shape (4,)", error.Message);
    }

    [Fact]
    public void CrossEntropy_LabelOutOfRange_NamesLabelAndClassCount()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CrossEntropy().Compute(Tensor.Zeros([2, 3]), L(0, 3)));
        Assert.Contains("cross_entropy: label 3 of sample 1 is not a class in [0, 3)", error.Message);
    }

    [Theory]
    [InlineData("cross_entropy")]
    [InlineData("nll")]
    public void ClassLosses_FloatLabels_RefusedWithTheConversion(string loss)
    {
        Loss l = loss == "nll" ? new NllLoss() : new CrossEntropy();
        var error = Assert.Throws<ArgumentException>(() => l.Compute(Tensor.Zeros([2, 3]), T(0, 2)));
        Assert.Equal(
            $"{loss}: the labels are f32[2], but labels must be an Int64 or Int32 tensor (as in PyTorch). " +
            "Convert whole-number floats with labels.To(DType.Int64), or take labels from ArgMax, which is already Int64.",
            error.Message);
    }

    [Fact]
    public void CrossEntropy_Int32AndInt64Labels_GiveTheSameLoss()
    {
        var logits = M(new double[,] { { 1, 2, 3 }, { 1, 0, -1 } });
        Assert.Equal(
            new CrossEntropy().Compute(logits, L(2, 0)).ItemDouble(),
            new CrossEntropy().Compute(logits, Tensor.FromArray(new[] { 2, 0 })).ItemDouble());
    }

    public static TheoryData<string> DifferentiableLosses() => ["mse", "mae", "huber", "bce", "bce_with_logits"];

    [Theory]
    [MemberData(nameof(DifferentiableLosses))]
    public void ElementwiseLoss_GradCheck_MatchesFiniteDifferences(string name)
    {
        var loss = Loss.FromName(name);
        // Predictions in (0, 1) away from targets and from the Huber/abs kinks.
        var prediction = T(0.15, 0.42, 0.77, 0.93);
        var target = T(0.9, 0.05, 0.1, 0.3);
        GradCheck.Assert(x => loss.Compute(x[0], target), [prediction]);
    }

    [Fact]
    public void CrossEntropy_GradCheckWithSmoothing_MatchesFiniteDifferences()
    {
        var logits = Tensor.RandN([3, 4], new Generator(3), DType.Float64);
        GradCheck.Assert(x => new CrossEntropy(0.1).Compute(x[0], L(0, 3, 1)), [logits]);
    }
}
