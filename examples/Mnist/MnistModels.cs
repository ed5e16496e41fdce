using AutoGrad.NN.Initializers;
using AutoGrad.NN;
using AutoGrad.NN.Layers;

namespace AutoGrad.Examples.Mnist;

/// <summary>One model the example can train, with the hyperparameters it uses unless the command line overrides them.</summary>
/// <param name="Name">The <c>--model</c> value.</param>
/// <param name="Description">One line for <c>--help</c>.</param>
/// <param name="Epochs">Default passes over the training set (full-batch models: gradient steps).</param>
/// <param name="BatchSize">Default images per gradient step; 0 means the whole training set (full batch).</param>
/// <param name="LearningRate">Default step size.</param>
/// <param name="ImagesAsPlanes">Whether the model takes images as <c>[N, 1, 28, 28]</c> rather than <c>[N, 784]</c>.</param>
/// <param name="TrainLimit">Default number of training images; <see langword="null"/> for all 60,000.</param>
/// <param name="WarmupSteps">Steps of linear learning-rate warm-up before the cosine decay (Adam models); 0 for none.</param>
public sealed record MnistModelSpec(string Name, string Description, int Epochs, int BatchSize, double LearningRate, bool ImagesAsPlanes = false, int? TrainLimit = null, int WarmupSteps = 0);

/// <summary>The catalogue of MNIST models: the classic tutorials' ones and two that reach state-of-the-art-for-their-size accuracy.</summary>
public static class MnistModels
{
    /// <summary>The model trained when <c>--model</c> is not given.</summary>
    public const string Default = "mlp";

    /// <summary>"MNIST from scratch with numpy": 784-10-10, ReLU then softmax, full-batch gradient descent.</summary>
    public static MnistModelSpec Tutorial { get; } =
        new("tutorial", "784-10-10, ReLU, softmax, full-batch gradient descent (numpy tutorial)", Epochs: 500, BatchSize: 0, LearningRate: 0.1);

    /// <summary>
    /// "A neural-network library from scratch": 784-100-50-10, tanh, MSE on one-hot targets, per-sample SGD. Like the
    /// tutorial it trains on the first 1,000 images only: one optimizer step per image makes a full pass slow.
    /// </summary>
    public static MnistModelSpec TanhMse { get; } =
        new("tanh-mse", "784-100-50-10, tanh, MSE on one-hot targets, per-sample SGD on 1000 images (layers tutorial)", Epochs: 30, BatchSize: 1, LearningRate: 0.1, TrainLimit: 1000);

    /// <summary>A multi-layer perceptron trained with Adam and cross-entropy: the default, ≥ 98% test accuracy.</summary>
    public static MnistModelSpec Mlp { get; } =
        new("mlp", "784-512-10, ReLU, dropout 0.2, cross-entropy, Adam, cosine decay", Epochs: 10, BatchSize: 128, LearningRate: 1e-3);

    /// <summary>A small convolutional network: Conv2D-MaxPool-Conv2D-MaxPool-Dense, ≥ 99% test accuracy.</summary>
    public static MnistModelSpec Cnn { get; } =
        new("cnn", "Conv2D(32)-MaxPool-Conv2D(64)-MaxPool-Dense(128)-Dense(10), ReLU, cross-entropy, Adam, cosine decay", Epochs: 6, BatchSize: 128, LearningRate: 1e-3, ImagesAsPlanes: true);

    /// <summary>Each image as a sequence of 28 rows of 28 pixels through an LSTM (issue 14's sequence example).</summary>
    public static MnistModelSpec Lstm { get; } =
        new("lstm", "28 rows of 28 pixels as a sequence, Lstm(128)-Dense(10), cross-entropy, Adam, cosine decay", Epochs: 6, BatchSize: 128, LearningRate: 2e-3);

    /// <summary>
    /// Each image's 28 rows as 28 tokens through a small Transformer encoder (issue 14's attention example):
    /// Dense(64) per row, a learned position table, two post-norm encoder blocks (4 heads, MLP 128), the mean over
    /// the tokens, Dense(10). A short linear warm-up before the cosine decay keeps the first Adam steps from
    /// overshooting while the layer norms' inputs are still settling.
    /// </summary>
    public static MnistModelSpec Transformer { get; } =
        new("transformer", "28 rows as 28 tokens, Dense(64), positions, 2 encoder blocks (4 heads, MLP 128), mean, Dense(10), Adam, warm-up, cosine decay", Epochs: 4, BatchSize: 128, LearningRate: 2e-3, WarmupSteps: 200);

    /// <summary>Every model, in the order <c>--help</c> lists them.</summary>
    public static IReadOnlyList<MnistModelSpec> All { get; } = [Tutorial, TanhMse, Mlp, Cnn, Lstm, Transformer];

    /// <summary>The <c>--model</c> names.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(m => m.Name).ToArray();

    /// <summary>
    /// Builds the untrained network of <paramref name="spec"/>. The classifiers end in raw scores (logits): the
    /// softmax the tutorials apply last is inside the cross-entropy loss, which is the same function computed stably.
    /// </summary>
    /// <param name="spec">One of <see cref="All"/>.</param>
    /// <returns>A fresh model whose weights come from <see cref="Tensors.Generator.Default"/>.</returns>
    /// <exception cref="ArgumentException">The spec is not one of the catalogue's.</exception>
    public static Sequential Create(MnistModelSpec spec)
    {
        // The tutorials draw every weight and bias uniformly in [-0.5, 0.5).
        var tutorialInit = new RandomUniform(-0.5, 0.5);
        return spec.Name switch
        {
            "tutorial" => new Sequential(
                new Dense(10, "relu", kernelInitializer: tutorialInit, biasInitializer: tutorialInit, inputSize: 784),
                new Dense(10, kernelInitializer: tutorialInit, biasInitializer: tutorialInit, inputSize: 10)),
            "tanh-mse" => new Sequential(
                new Dense(100, "tanh", kernelInitializer: tutorialInit, biasInitializer: tutorialInit, inputSize: 784),
                new Dense(50, "tanh", kernelInitializer: tutorialInit, biasInitializer: tutorialInit, inputSize: 100),
                new Dense(10, "tanh", kernelInitializer: tutorialInit, biasInitializer: tutorialInit, inputSize: 50)),
            "mlp" => new Sequential(
                new Dense(512, "relu", inputSize: 784),
                new Dropout(0.2),
                new Dense(10, inputSize: 512)),
            "cnn" => new Sequential(
                new Conv2D(32, 3, activation: "relu", inChannels: 1),
                new MaxPool2D(2),
                new Conv2D(64, 3, activation: "relu", inChannels: 32),
                new MaxPool2D(2),
                new Flatten(),
                new Dense(128, "relu", inputSize: 64 * 5 * 5),
                new Dense(10, inputSize: 128)),
            "lstm" => new Sequential(
                new Reshape([28, 28]),
                new Lstm(128),
                new Dense(10)),
            "transformer" => new Sequential(
                new Reshape([28, 28]),
                new Dense(64, inputSize: 28),
                new PositionalEmbedding(28, 64),
                new TransformerEncoderBlock(64, numHeads: 4, mlpDim: 128),
                new TransformerEncoderBlock(64, numHeads: 4, mlpDim: 128),
                new MeanOverTokens(),
                new Dense(10, inputSize: 64)),
            _ => throw new ArgumentException($"Unknown model '{spec.Name}'; choose one of {string.Join(", ", Names)}.", nameof(spec)),
        };
    }

    /// <summary>Finds a model by its <c>--model</c> name.</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <returns>The model's spec.</returns>
    /// <exception cref="ArgumentException">No model has that name.</exception>
    public static MnistModelSpec Get(string name) =>
        All.FirstOrDefault(m => m.Name == name)
        ?? throw new ArgumentException($"Unknown model '{name}'; choose one of {string.Join(", ", Names)}.", nameof(name));
}
