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
    bool Help = false)
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
          -h, --help         show this text
        """;

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <param name="args">The program's arguments, e.g. <c>--model cnn --epochs 3</c>.</param>
    /// <returns>The parsed arguments.</returns>
    /// <exception cref="FormatException">An option is unknown, lacks its value, or its value is not valid; the message says which.</exception>
    public static MnistArguments Parse(IReadOnlyList<string> args)
    {
        var result = new MnistArguments();
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            // Both "--epochs 5" and "--epochs=5" are accepted, as most CLI parsers do.
            string? inlineValue = null;
            int equals = option.IndexOf('=', StringComparison.Ordinal);
            if (option.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inlineValue = option[(equals + 1)..];
                option = option[..equals];
            }
            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new FormatException($"Option {option} needs a value.");
                }
                return args[++i];
            }

            result = option switch
            {
                "-h" or "--help" => result with { Help = true },
                "--model" => result with { Model = ParseModel(Value()) },
                "--epochs" => result with { Epochs = PositiveInt(option, Value()) },
                "--batch-size" => result with { BatchSize = PositiveInt(option, Value()) },
                "--lr" => result with { LearningRate = PositiveDouble(option, Value()) },
                "--seed" => result with { Seed = Long(option, Value()) },
                "--train-limit" => result with { TrainLimit = PositiveInt(option, Value()) },
                "--test-limit" => result with { TestLimit = PositiveInt(option, Value()) },
                "--data" => result with { DataDirectory = NonEmpty(option, Value()) },
                "--out" => result with { OutputDirectory = NonEmpty(option, Value()) },
                _ => throw new FormatException($"Unknown option '{args[i]}'."),
            };
        }
        return result;
    }

    private static string ParseModel(string name) =>
        MnistModels.Names.Contains(name, StringComparer.Ordinal)
            ? name
            : throw new FormatException($"Unknown model '{name}'; choose one of {string.Join(", ", MnistModels.Names)}.");

    private static int PositiveInt(string option, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new FormatException($"Option {option} needs a positive whole number, not '{value}'.");

    private static long Long(string option, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n)
            ? n
            : throw new FormatException($"Option {option} needs a whole number, not '{value}'.");

    private static double PositiveDouble(string option, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x > 0 && double.IsFinite(x)
            ? x
            : throw new FormatException($"Option {option} needs a positive number, not '{value}'.");

    private static string NonEmpty(string option, string value) =>
        value.Length > 0 ? value : throw new FormatException($"Option {option} needs a non-empty value.");
}
