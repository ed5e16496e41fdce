using AutoGrad.NN.Metrics;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

public class MetricTests
{
    private static Tensor T(params double[] values) => Tensor.FromArray(values);

    private static Tensor L(params long[] values) => Tensor.FromArray(values);

    [Fact]
    public void BinaryAccuracy_ThresholdAtHalf_CountsMatches()
    {
        var metric = new BinaryAccuracy();
        metric.Update(T(0.9, 0.4, 0.6, 0.1), T(1, 1, 0, 0));
        Assert.Equal(0.5, metric.Result());
    }

    [Fact]
    public void CategoricalAccuracy_LabelsAndOneHot_AgreeAcrossBatches()
    {
        var labels = new CategoricalAccuracy();
        labels.Update(Tensor.FromArray(new double[,] { { 0.1, 0.7, 0.2 }, { 0.8, 0.1, 0.1 } }), L(1, 2));
        labels.Update(Tensor.FromArray(new double[,] { { 0.0, 0.0, 1.0 } }), L(2));
        Assert.Equal(2.0 / 3, labels.Result(), 12);

        var oneHot = new CategoricalAccuracy();
        oneHot.Update(Tensor.FromArray(new double[,] { { 0.1, 0.7, 0.2 }, { 0.8, 0.1, 0.1 } }), Tensor.FromArray(new double[,] { { 0, 1, 0 }, { 0, 0, 1 } }));
        Assert.Equal(0.5, oneHot.Result());
    }

    [Fact]
    public void Accuracy_ChoosesBinaryOrCategoricalByOutputWidth()
    {
        var metric = new Accuracy();
        metric.Update(Tensor.FromArray(new double[] { 0.9, 0.2 }, 2, 1), Tensor.FromArray(new double[] { 1, 1 }, 2, 1));
        Assert.Equal(0.5, metric.Result());
        metric.Reset();
        metric.Update(Tensor.FromArray(new double[,] { { 0.2, 0.8 }, { 0.6, 0.4 } }), L(1, 0));
        Assert.Equal(1.0, metric.Result());
    }

    [Fact]
    public void PrecisionAndRecall_KnownConfusionCounts()
    {
        // Predictions > 0.5: indices 0, 1, 2; positives: 0, 3, 4 → TP = 1, FP = 2, FN = 2.
        var prediction = T(0.9, 0.8, 0.7, 0.2, 0.1);
        var target = T(1, 0, 0, 1, 1);
        var precision = new Precision();
        var recall = new Recall();
        precision.Update(prediction, target);
        recall.Update(prediction, target);
        Assert.Equal(1.0 / 3, precision.Result(), 12);
        Assert.Equal(1.0 / 3, recall.Result(), 12);
    }

    [Fact]
    public void Precision_NoPredictedPositives_IsZero()
    {
        var precision = new Precision();
        precision.Update(T(0.1, 0.2), T(1, 1));
        Assert.Equal(0.0, precision.Result());
    }

    [Fact]
    public void Metric_UnknownName_ListsKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => Metric.FromName("f1"));
        Assert.StartsWith("Unknown metric 'f1'. Known: accuracy,", error.Message);
    }
}
