using AutoGrad.Examples.Mnist;

namespace AutoGrad.Tests.Examples;

public sealed class ConfusionMatrixTests
{
    [Fact]
    public void Constructor_Pairs_CountsRowsAsTruthColumnsAsPrediction()
    {
        var matrix = new ConfusionMatrix(actual: [0, 0, 1, 2, 2, 2], predicted: [0, 1, 1, 2, 2, 0], classes: 3);

        Assert.Equal(1, matrix[0, 0]);
        Assert.Equal(1, matrix[0, 1]);
        Assert.Equal(1, matrix[2, 0]);
        Assert.Equal(0, matrix[1, 0]);
        Assert.Equal(4, matrix.Correct);
        Assert.Equal(4.0 / 6, matrix.Accuracy, 12);
        Assert.Equal(2.0 / 3, matrix.Recall(2), 12);
    }

    [Fact]
    public void ToString_SmallMatrix_PrintsAlignedTableWithRecallAndAccuracy()
    {
        var matrix = new ConfusionMatrix(actual: [0, 0, 1, 2, 2, 2], predicted: [0, 1, 1, 2, 2, 0], classes: 3);

        Assert.Equal(
            "true\\pred   0   1   2  recall\n" +
            "        0   1   1   0   50.0%\n" +
            "        1   0   1   0  100.0%\n" +
            "        2   1   0   2   66.7%\n" +
            "accuracy 4/6 = 66.67%\n",
            matrix.ToString());
    }

    [Theory]
    [InlineData(new[] { 0, 1 }, new[] { 0 }, "ConfusionMatrix: 2 true classes but 1 predictions.")]
    [InlineData(new[] { 0, 3 }, new[] { 0, 1 }, "ConfusionMatrix: pair 1 is (true 3, predicted 1), outside the classes 0..2.")]
    public void Constructor_BadPairs_Throws(int[] actual, int[] predicted, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new ConfusionMatrix(actual, predicted, classes: 3));

        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }
}
