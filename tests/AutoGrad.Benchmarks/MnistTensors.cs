using AutoGrad.Data;
using AutoGrad.Tensors;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The MNIST training set as float tensors (pixels / 255, one-hot targets), split into batches once. Real data from
/// examples/Mnist/data (found by walking up from the working directory, or from AUTOGRAD_MNIST_DIR); when it is
/// missing, 60,000 synthetic samples of the same shapes so every benchmark still runs.
/// </summary>
public sealed class MnistTensors
{
    private static MnistTensors? s_cached;

    private MnistTensors(Tensor images, Tensor oneHot, bool real)
    {
        Images = images;
        OneHot = oneHot;
        IsReal = real;
    }

    /// <summary>All training images [60000, 784].</summary>
    public Tensor Images { get; }

    /// <summary>All training targets, one-hot [60000, 10].</summary>
    public Tensor OneHot { get; }

    /// <summary>True when the real MNIST files were found.</summary>
    public bool IsReal { get; }

    /// <summary>Loads (once per process) the training set.</summary>
    public static MnistTensors Load() => s_cached ??= Create();

    /// <summary>Consecutive batches of <paramref name="batchSize"/> samples (the last one smaller), as inputs and targets.</summary>
    public (Tensor[] Inputs, Tensor[] Targets) Batches(int batchSize)
    {
        int count = Images.Shape[0];
        int batches = (count + batchSize - 1) / batchSize;
        var inputs = new Tensor[batches];
        var targets = new Tensor[batches];
        for (int b = 0; b < batches; b++)
        {
            int start = b * batchSize, stop = Math.Min(count, start + batchSize);
            inputs[b] = Images.Slice(0, start, stop);
            targets[b] = OneHot.Slice(0, start, stop);
        }

        return (inputs, targets);
    }

    private static MnistTensors Create()
    {
        string? directory = FindDataDirectory();
        if (directory is null)
        {
            var generator = new Generator(7);
            Tensor labels = Tensor.RandInt(0, 10, [60000], generator);
            return new MnistTensors(Tensor.Rand([60000, 784], generator), labels.OneHot(10), real: false);
        }

        MnistSplit train = MnistFiles.LoadTrain(directory);
        return new MnistTensors(train.ImagesTensor(), train.LabelsTensor().OneHot(10), real: true);
    }

    private static string? FindDataDirectory()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("AUTOGRAD_MNIST_DIR");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(Path.Combine(fromEnvironment, MnistFiles.TrainImagesFileName)))
        {
            return fromEnvironment;
        }

        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "examples", "Mnist", "data");
            if (File.Exists(Path.Combine(candidate, MnistFiles.TrainImagesFileName)))
            {
                return candidate;
            }
        }

        return null;
    }
}
