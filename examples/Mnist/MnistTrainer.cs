namespace AutoGrad.Examples.Mnist;

/// <summary>The outcome of one training run.</summary>
/// <param name="History">One record per epoch.</param>
/// <param name="Confusion">The trained model's confusion matrix on the test set.</param>
/// <param name="WeightsPath">Where the trained weights were saved.</param>
/// <param name="TotalSeconds">Wall time of the whole run.</param>
public sealed record MnistRunResult(IReadOnlyList<EpochRecord> History, ConfusionMatrix Confusion, string WeightsPath, double TotalSeconds);

/// <summary>Trains the MNIST models.</summary>
public static class MnistTrainer
{
    /// <summary>Trains <paramref name="spec"/> on <paramref name="data"/> as <paramref name="arguments"/> say.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="arguments">Epochs, batch size, learning rate, seed, output folder overrides.</param>
    /// <param name="data">Training and test images.</param>
    /// <param name="output">Receives the per-epoch lines.</param>
    /// <returns>History, confusion matrix and weights path.</returns>
    public static MnistRunResult Train(MnistModelSpec spec, MnistArguments arguments, Data.MnistDataset data, TextWriter output)
    {
        throw new NotImplementedException("waiting for the NN API");
    }
}
