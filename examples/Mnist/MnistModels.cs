namespace AutoGrad.Examples.Mnist;

/// <summary>One model the example can train, with the hyperparameters it uses unless the command line overrides them.</summary>
/// <param name="Name">The <c>--model</c> value.</param>
/// <param name="Description">One line for <c>--help</c>.</param>
/// <param name="Epochs">Default passes over the training set (full-batch models: gradient steps).</param>
/// <param name="BatchSize">Default images per gradient step; 0 means the whole training set (full batch).</param>
/// <param name="LearningRate">Default step size.</param>
/// <param name="ImagesAsPlanes">Whether the model takes images as <c>[N, 1, 28, 28]</c> rather than <c>[N, 784]</c>.</param>
public sealed record MnistModelSpec(string Name, string Description, int Epochs, int BatchSize, double LearningRate, bool ImagesAsPlanes = false);

/// <summary>The catalogue of MNIST models: the classic tutorials' ones and two that reach state-of-the-art-for-their-size accuracy.</summary>
public static class MnistModels
{
    /// <summary>The model trained when <c>--model</c> is not given.</summary>
    public const string Default = "mlp";

    /// <summary>"MNIST from scratch with numpy": 784-10-10, ReLU then softmax, full-batch gradient descent.</summary>
    public static MnistModelSpec Tutorial { get; } =
        new("tutorial", "784-10-10, ReLU, softmax, full-batch gradient descent (numpy tutorial)", Epochs: 500, BatchSize: 0, LearningRate: 0.1);

    /// <summary>"A neural-network library from scratch": 784-100-50-10, tanh, MSE on one-hot targets, per-sample SGD.</summary>
    public static MnistModelSpec TanhMse { get; } =
        new("tanh-mse", "784-100-50-10, tanh, MSE on one-hot targets, per-sample SGD (layers tutorial)", Epochs: 3, BatchSize: 1, LearningRate: 0.1);

    /// <summary>A multi-layer perceptron trained with Adam and cross-entropy: the default, ≥ 98% test accuracy.</summary>
    public static MnistModelSpec Mlp { get; } =
        new("mlp", "784-256-10, ReLU, cross-entropy, Adam", Epochs: 10, BatchSize: 128, LearningRate: 1e-3);

    /// <summary>A small convolutional network: Conv2D-MaxPool-Conv2D-MaxPool-Dense, ≥ 99% test accuracy.</summary>
    public static MnistModelSpec Cnn { get; } =
        new("cnn", "Conv2D(32)-MaxPool-Conv2D(64)-MaxPool-Dense(10), cross-entropy, Adam", Epochs: 5, BatchSize: 128, LearningRate: 1e-3, ImagesAsPlanes: true);

    /// <summary>Every model, in the order <c>--help</c> lists them.</summary>
    public static IReadOnlyList<MnistModelSpec> All { get; } = [Tutorial, TanhMse, Mlp, Cnn];

    /// <summary>The <c>--model</c> names.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(m => m.Name).ToArray();

    /// <summary>Finds a model by its <c>--model</c> name.</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <returns>The model's spec.</returns>
    /// <exception cref="ArgumentException">No model has that name.</exception>
    public static MnistModelSpec Get(string name) =>
        All.FirstOrDefault(m => m.Name == name)
        ?? throw new ArgumentException($"Unknown model '{name}'; choose one of {string.Join(", ", Names)}.", nameof(name));
}
