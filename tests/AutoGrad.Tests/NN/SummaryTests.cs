using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

public class SummaryTests
{
    [Fact]
    public void Summary_AfterFirstCall_ListsLayersShapesCountsAndTotals()
    {
        var model = new Sequential(new Dense(16, "relu"), new BatchNorm(), new Dropout(0.1), new Dense(3, name: "logits"));
        model.Call(Tensor.Zeros([5, 8]));
        string expected =
            "Model: \"sequential\"\n" +
            "=============================================\n" +
            "Layer (type)            Output Shape  Param #\n" +
            "=============================================\n" +
            "dense (Dense)           (None, 16)        144\n" +
            "batch_norm (BatchNorm)  (None, 16)         32\n" +
            "dropout (Dropout)       (None, 16)          0\n" +
            "logits (Dense)          (None, 3)          51\n" +
            "=============================================\n" +
            "Total params: 259\n" +
            "Trainable params: 227\n" +
            "Non-trainable params: 32\n";
        Assert.Equal(expected, model.Summary());
    }

    [Fact]
    public void Summary_BeforeFirstCall_MarksShapesUnknown()
    {
        var summary = new Sequential(new Dense(2)).Summary();
        Assert.Contains("dense (Dense)  ? (not called yet)        0", summary);
        Assert.Contains("Total params: 0\n", summary);
    }

    [Fact]
    public void Build_BeforeAnyCall_CreatesParametersAndShapesWithoutTouchingStatistics()
    {
        var norm = new BatchNorm();
        var model = new Sequential(new Dense(16, "relu"), norm, new Dense(3));
        string summary = model.Build([8]).Summary();
        Assert.Contains("dense (Dense)           (None, 16)        144", summary);
        Assert.Contains("dense_1 (Dense)         (None, 3)          51", summary);
        Assert.True(model.Training);
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
        Assert.Equal(Enumerable.Repeat(0f, 16), norm.RunningMean!.ToArray());
        Assert.Equal(Enumerable.Repeat(1f, 16), norm.RunningVar!.ToArray());
    }
}
