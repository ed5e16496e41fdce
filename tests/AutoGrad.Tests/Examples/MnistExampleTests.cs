using AutoGrad.Data;
using AutoGrad.Examples.Mnist;
using AutoGrad.Differentiation;
using AutoGrad.NN;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using AutoGrad.Tests.IO;

namespace AutoGrad.Tests.Examples;

public sealed class MnistExampleTests
{
    // Decompressing and hashing the shipped files takes a second; every test here shares one copy.
    private static readonly Lazy<MnistDataset> Shipped = new(() => MnistFiles.Load(MnistDataLocator.ShippedDirectory));

    [Fact]
    public void Train_MlpOnSmallSubset_ClearlyBeatsChance()
    {
        var arguments = new MnistArguments(Epochs: 2, BatchSize: 32, TrainLimit: 2000, TestLimit: 2000, Seed: 1);

        MnistRunResult result = MnistTrainer.Train(MnistModels.Mlp, arguments, Shipped.Value, TextWriter.Null, saveWeights: false);

        // Chance is 10%; 2,000 images and two epochs reach about 83%.
        Assert.True(result.Confusion.Accuracy > 0.70, $"test accuracy {result.Confusion.Accuracy:P2}");
        Assert.Equal(2000, result.Confusion.Total);
        Assert.Equal([1, 2], result.History.Select(r => r.Epoch));
        Assert.True(result.History[1].Loss < result.History[0].Loss, "the loss should fall from epoch 1 to 2");
        Assert.Equal(result.Confusion.Accuracy, result.History[^1].TestAccuracy, 6);
    }

    [Theory]
    [InlineData("tutorial", 100, 1000, 0.35)] // full-batch gradient descent is slow: 100 steps give about 50%
    [InlineData("tanh-mse", 3, 1000, 0.2)] // the tutorial's model is slow to start: 3 epochs give 25-45%
    [InlineData("cnn", 2, 300, 0.5)]
    [InlineData("lstm", 3, 1000, 0.4)] // rows of pixels as a sequence: slower to start than the mlp
    public void Train_OtherModelsOnTinySubset_LearnSomething(string model, int epochs, int images, double minimumAccuracy)
    {
        var arguments = new MnistArguments(model, Epochs: epochs, BatchSize: model is "cnn" or "lstm" ? 32 : null, TrainLimit: images, TestLimit: 300, Seed: 1);

        MnistRunResult result = MnistTrainer.Train(MnistModels.Get(model), arguments, Shipped.Value, TextWriter.Null, saveWeights: false);

        Assert.True(result.Confusion.Accuracy > minimumAccuracy, $"{model}: test accuracy {result.Confusion.Accuracy:P2}");
    }

    [Fact]
    public void Transformer_Builds_AndOneAdamStepOnATinyBatchLowersTheLoss()
    {
        // Random "images" keep the test from paying for decompressing MNIST: one step on any fixed batch must lower its loss.
        Generator.ManualSeed(5);
        Sequential model = MnistModels.Create(MnistModels.Transformer);
        Tensor x = Tensor.Rand([8, 784]);
        Tensor y = Tensor.FromArray(new long[] { 0, 1, 2, 3, 4, 5, 6, 7 }, 8);
        var loss = new CrossEntropy();
        var adam = new Adam(model, MnistModels.Transformer.LearningRate);

        Tensor before = loss.Compute(model.Call(x), y);
        adam.ZeroGrad();
        before.Backward();
        adam.Step();
        double after;
        using (Autodiff.NoGrad())
        {
            Assert.Equal([8, 10], model.Call(x).Shape.ToArray());
            after = loss.Compute(model.Call(x), y).ItemDouble();
        }

        // Dense(28→64) 28·64 + 64; position table 28·64; per block: in_proj 3·64·64 + 3·64, out_proj 64·64 + 64,
        // MLP 64·128 + 128 and 128·64 + 64, two layer norms 2·(64 + 64); Dense(64→10) 64·10 + 10.
        int perBlock = (3 * 64 * 64) + (3 * 64) + (64 * 64) + 64 + (64 * 128) + 128 + (128 * 64) + 64 + (2 * 128);
        Assert.Equal((28 * 64) + 64 + (28 * 64) + (2 * perBlock) + (64 * 10) + 10, model.Parameters().Sum(p => p.Size));
        Assert.True(after < before.ItemDouble() - 0.01, $"loss {before.ItemDouble():F4} → {after:F4}");
    }

    [Fact]
    public void Run_SmallMlp_WritesWeightsPlotAndConfusionThatReload()
    {
        using var dir = new TempDirectory();
        var output = new StringWriter();

        int code = MnistProgram.Run(["--epochs", "1", "--train-limit", "500", "--test-limit", "500", "--out", dir.Path], output, TextWriter.Null);

        string text = output.ToString();
        Assert.Equal(0, code);
        Assert.Contains($"Data: {MnistDataLocator.ShippedDirectory} (shipped with the example)", text, StringComparison.Ordinal);
        Assert.Matches(@"Epoch 1/1 - 4/4 - .* - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}", text);
        Assert.Contains("true\\pred", text, StringComparison.Ordinal);
        Assert.Equal(["mlp-confusion.txt", "mlp-training.png", "mlp.safetensors"], dir.FileNames());

        // The saved weights give back the accuracy the run printed.
        var reloaded = MnistModels.Create(MnistModels.Mlp);
        reloaded.Load(dir.File("mlp.safetensors"));
        int[] predicted = MnistTrainer.ArgMaxRows(reloaded.Predict(MnistTensors.Images(Shipped.Value.Test, 0, 500), 500));
        var confusion = new ConfusionMatrix(Shipped.Value.Test.Labels.Take(500).Select(l => (int)l).ToArray(), predicted);
        Assert.Contains($"accuracy {confusion.Correct}/500 =", File.ReadAllText(dir.File("mlp-confusion.txt")), StringComparison.Ordinal);
    }
}
