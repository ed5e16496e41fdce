using System.Globalization;

namespace AutoGrad.Examples.Mnist;

/// <summary>The command line of the MNIST example, parsed and checked.</summary>
/// <param name="Model">Which model to train: one of <see cref="MnistModels.Names"/>.</param>
/// <param name="Epochs">Passes over the training set; <see langword="null"/> for the model's default.</param>
/// <param name="BatchSize">Images per gradient step; <see langword="null"/> for the model's default.</param>
/// <param name="LearningRate">Step size; <see langword="null"/> for the model's default.</param>
/// <param name="Seed">Seeds weight initialisation and shuffling, so a run can be repeated exactly.</param>
/// <param name="TrainLimit">Train on the first N training images only; <see langword="null"/> for all 60,000.</param>
/// <param name="TestLimit">Test on the first N test images only; <see langword="null"/> for all 10,000.</param>
/// <param name="DataDirectory">Where the four MNIST files are (or are downloaded to); <see langword="null"/> for the shipped copy.</param>
/// <param name="OutputDirectory">Where the weights, the plot and the confusion matrix are written.</param>
/// <param name="Help">Print the usage and exit.</param>
/// <param name="ExportOnnx">Where to write the trained model as ONNX (evaluation mode, batch axis symbolic); <see langword="null"/> for no export.</param>
public sealed record MnistArguments(
    string Model = MnistModels.Default,
    int? Epochs = null,
    int? BatchSize = null,
    double? LearningRate = null,
    long Seed = 1,
    int? TrainLimit = null,
    int? TestLimit = null,
    string? DataDirectory = null,
    string OutputDirectory = "out/mnist",
    bool Help = false,
    string? ExportOnnx = null)
{
    /// <summary>The text printed by <c>--help</c> and after a bad option.</summary>
    public static string Usage { get; } =
        $"""
        Usage: dotnet run -c Release --project examples/Mnist -- [options]

        Trains a classifier on the MNIST digits with AutoGrad and reports its test accuracy.

        Options:
          --model NAME       {string.Join(" | ", MnistModels.Names)} (default {MnistModels.Default})
        {string.Concat(MnistModels.All.Select(m => $"                       {m.Name,-9} {m.Description}{Environment.NewLine}"))}  --epochs N         passes over the training set (default: the model's)
          --batch-size N     images per gradient step (default: the model's)
          --lr X             learning rate (default: the model's)
          --seed N           random seed for weights and shuffling (default 1)
          --train-limit N    train on the first N training images only (default: all 60000; tanh-mse 1000)
          --test-limit N     test on the first N test images only (default: all 10000)
          --data DIR         folder with the four MNIST .gz files; missing files are downloaded into it
                             (default: the copy shipped with the example)
          --out DIR          where weights, plot and confusion matrix go (default out/mnist)
          --export-onnx PATH also write the trained model as ONNX (opset 17, any batch size) for ONNX Runtime
          -h, --help         show this text
        """;

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <param name="args">The program's arguments, e.g. <c>--model cnn --epochs 3</c>.</param>
    /// <returns>The parsed arguments.</returns>
    /// <exception cref="FormatException">An option is unknown, lacks its value, or its value is not valid; the message says which.</exception>
    public static MnistArguments Parse(IReadOnlyList<string> args)
    {
        var result = new MnistArguments();
        foreach (var (option, value) in CommandLine.Split(args, "-h", "--help"))
        {
            result = option switch
            {
                "-h" or "--help" => result with { Help = true },
                "--model" => result with { Model = ParseModel(CommandLine.NonEmpty(option, value)) },
                "--epochs" => result with { Epochs = CommandLine.PositiveInt(option, value) },
                "--batch-size" => result with { BatchSize = CommandLine.PositiveInt(option, value) },
                "--lr" => result with { LearningRate = CommandLine.PositiveDouble(option, value) },
                "--seed" => result with { Seed = CommandLine.Long(option, value) },
                "--train-limit" => result with { TrainLimit = CommandLine.PositiveInt(option, value) },
                "--test-limit" => result with { TestLimit = CommandLine.PositiveInt(option, value) },
                "--data" => result with { DataDirectory = CommandLine.NonEmpty(option, value) },
                "--out" => result with { OutputDirectory = CommandLine.NonEmpty(option, value) },
                "--export-onnx" => result with { ExportOnnx = CommandLine.NonEmpty(option, value) },
                _ => throw new FormatException($"Unknown option '{option}'."),
            };
        }
        return result;
    }

    private static string ParseModel(string name) =>
        MnistModels.Names.Contains(name, StringComparer.Ordinal)
            ? name
            : throw new FormatException($"Unknown model '{name}'; choose one of {string.Join(", ", MnistModels.Names)}.");




}
