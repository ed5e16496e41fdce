using AutoGrad.NN.Losses;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary>Issue 12 item 6: <c>fromLogits: true</c> selects the logits form of a named cross-entropy.</summary>
public class KerasLossFromLogitsTests
{
    private static readonly Tensor Probabilities = Tensor.FromArray(new double[,] { { 0.7, 0.2, 0.1 }, { 0.1, 0.3, 0.6 } });
    private static readonly Tensor Labels = Tensor.FromArray(new long[] { 0, 2 });
    private static readonly double Expected = -(Math.Log(0.7) + Math.Log(0.6)) / 2;

    [Theory]
    [InlineData("sparse_categorical_crossentropy")]
    [InlineData("categorical_crossentropy")]
    public void CrossEntropyName_FromLogits_TakesLogits(string name)
    {
        Tensor logits = Probabilities.Log() + 1.5;
        Tensor target = name == "categorical_crossentropy" ? Labels.OneHot(3) : Labels;
        Assert.Equal(Expected, Loss.FromName(name, fromLogits: true).Compute(logits, target).ItemDouble(), 12);
    }

    [Fact]
    public void BinaryCrossEntropyName_FromLogits_IsTheLogitsLoss()
    {
        var logits = Tensor.FromArray(new double[] { 2, -1, 0 });
        var target = Tensor.FromArray(new double[] { 1, 0, 1 });
        Assert.IsType<BinaryCrossEntropyWithLogits>(Loss.FromName("binary_crossentropy", fromLogits: true));
        Assert.IsType<BinaryCrossEntropy>(Loss.FromName("binary_crossentropy"));
        Assert.Equal(0.3777789597070469, Loss.FromName("binary_crossentropy", fromLogits: true).Compute(logits, target).ItemDouble(), 12);
    }

    [Fact]
    public void FromName_ContradictoryFromLogits_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => Loss.FromName("bce_with_logits", fromLogits: false));
        Assert.Contains("bce_with_logits", error.Message);
        Assert.Throws<ArgumentException>(() => Loss.FromName("mse", fromLogits: true));
    }
}
