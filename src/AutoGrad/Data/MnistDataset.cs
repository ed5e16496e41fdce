namespace AutoGrad.Data;

/// <summary>The training and test parts of MNIST.</summary>
/// <param name="Train">The 60,000 training images and labels (train-*.gz).</param>
/// <param name="Test">The 10,000 test images and labels (t10k-*.gz).</param>
public sealed record MnistDataset(MnistSplit Train, MnistSplit Test);
