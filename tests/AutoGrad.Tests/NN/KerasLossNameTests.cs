using AutoGrad.NN;
using AutoGrad.NN.Initializers;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary>Issue 12 item 6: loss names mean what they mean in Keras (probabilities unless fromLogits: true).</summary>
public class KerasLossNameTests
{
    // Softmax rows and their labels: the Keras loss is −mean log p[label].
    private static readonly Tensor Probabilities = Tensor.FromArray(new double[,] { { 0.7, 0.2, 0.1 }, { 0.1, 0.3, 0.6 } });
    private static readonly Tensor Labels = Tensor.FromArray(new long[] { 0, 2 });
    private static readonly double Expected = -(Math.Log(0.7) + Math.Log(0.6)) / 2;

    [Theory]
    [InlineData("sparse_categorical_crossentropy")]
    [InlineData("categorical_crossentropy")]
    [InlineData("cross_entropy")]
    public void CrossEntropyName_TakesProbabilities_LikeKeras(string name)
    {
        Tensor target = name == "categorical_crossentropy" ? Labels.OneHot(3) : Labels;
        Assert.Equal(Expected, Loss.FromName(name).Compute(Probabilities, target).ItemDouble(), 12);
    }

    [Fact]
    public void Fit_SoftmaxOutputIntoALogitsLoss_WarnsOnce()
    {
        var x = Tensor.RandN([8, 4], new Generator(3));
        var y = Tensor.FromArray(new long[] { 0, 1, 2, 0, 1, 2, 0, 1 });
        var model = new Sequential(new Dense(3, "softmax", kernelInitializer: new GlorotUniform(4), inputSize: 4));
        var output = new StringWriter();
        model.ProgressOutput = output;
        model.Compile("sgd", new CrossEntropy());
        model.Fit(x, y, epochs: 2, batchSize: 4, verbose: Verbosity.Silent);
        model.Fit(x, y, epochs: 1, batchSize: 4, verbose: Verbosity.Silent);
        string text = output.ToString();
        Assert.Equal(1, CountOf(text, "Warning:"));
        Assert.Contains("expects logits", text);
        Assert.Contains("fromLogits: false", text);
    }

    [Fact]
    public void FitJit_SoftmaxOutputIntoALogitsLoss_WarnsOnce()
    {
        // A compiled step records no tape, so the warning comes from the values: rows in [0, 1] summing to 1.
        var x = Tensor.RandN([8, 4], new Generator(3));
        var y = Tensor.FromArray(new long[] { 0, 1, 2, 0, 1, 2, 0, 1 });
        var model = new Sequential(new Dense(3, "softmax", kernelInitializer: new GlorotUniform(4), inputSize: 4));
        var output = new StringWriter();
        model.ProgressOutput = output;
        model.Compile(new AutoGrad.NN.Optimizers.Sgd(model), new CrossEntropy(), jit: true);
        model.Fit(x, y, epochs: 2, batchSize: 4, verbose: Verbosity.Silent);
        string text = output.ToString();
        Assert.Equal(1, CountOf(text, "Warning:"));
        Assert.Contains("expects logits", text);
    }

    [Fact]
    public void Fit_LogitsIntoAProbabilityLoss_WarnsOnce()
    {
        var x = Tensor.RandN([8, 4], new Generator(3)) * 5;
        var y = Tensor.FromArray(new long[] { 0, 1, 2, 0, 1, 2, 0, 1 });
        var model = new Sequential(new Dense(3, kernelInitializer: new GlorotUniform(4), inputSize: 4));
        var output = new StringWriter();
        model.ProgressOutput = output;
        model.Compile("sgd", "sparse_categorical_crossentropy");
        model.Fit(x, y, epochs: 2, batchSize: 4, verbose: Verbosity.Silent);
        string text = output.ToString();
        Assert.Equal(1, CountOf(text, "Warning:"));
        Assert.Contains("expects probabilities", text);
        Assert.Contains("fromLogits: true", text);
    }

    [Fact]
    public void Fit_MatchingOutputAndLoss_DoesNotWarn()
    {
        var x = Tensor.RandN([8, 4], new Generator(3));
        var y = Tensor.FromArray(new long[] { 0, 1, 2, 0, 1, 2, 0, 1 });
        var model = new Sequential(new Dense(3, "softmax", kernelInitializer: new GlorotUniform(4), inputSize: 4));
        var output = new StringWriter();
        model.ProgressOutput = output;
        model.Compile("sgd", "sparse_categorical_crossentropy");
        model.Fit(x, y, epochs: 2, batchSize: 4, verbose: Verbosity.Silent);
        Assert.Equal(string.Empty, output.ToString());
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
