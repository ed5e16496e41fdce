using AutoGrad.Data;
using AutoGrad.Tensors;

namespace AutoGrad.Examples.Mnist;

/// <summary>Turns raw MNIST bytes into the float32 tensors the models train on.</summary>
public static class MnistTensors
{
    /// <summary>
    /// Images <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1 with pixels scaled
    /// from 0–255 to [0, 1], shaped <c>[count, 784]</c> or, with <paramref name="asPlanes"/>, <c>[count, 1, 28, 28]</c>.
    /// </summary>
    /// <param name="split">The training or test part.</param>
    /// <param name="start">The first image.</param>
    /// <param name="count">How many images; <see langword="null"/> for all from <paramref name="start"/> on.</param>
    /// <param name="asPlanes">One channel plane per image (NCHW) for convolutional models.</param>
    /// <returns>A new float32 tensor that does not require gradients.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the split.</exception>
    public static Tensor Images(MnistSplit split, int start = 0, int? count = null, bool asPlanes = false)
    {
        int n = CheckRange(split, start, count);
        int pixels = split.PixelsPerImage;
        var data = new float[n * pixels];
        ReadOnlySpan<byte> source = split.Images.AsSpan(start * pixels, n * pixels);
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = source[i] * (1f / 255f);
        }
        return asPlanes ? Tensor.FromArray(data, n, 1, split.Rows, split.Cols) : Tensor.FromArray(data, n, pixels);
    }

    /// <summary>The labels of the same range as an Int64 tensor <c>[count]</c> of class indices 0–9.</summary>
    /// <param name="split">The training or test part.</param>
    /// <param name="start">The first label.</param>
    /// <param name="count">How many labels; <see langword="null"/> for all from <paramref name="start"/> on.</param>
    /// <returns>A new Int64 tensor.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the split.</exception>
    public static Tensor Labels(MnistSplit split, int start = 0, int? count = null)
    {
        int n = CheckRange(split, start, count);
        var data = new long[n];
        for (int i = 0; i < n; i++)
        {
            data[i] = split.Labels[start + i];
        }
        return Tensor.FromArray(data, n);
    }

    /// <summary>The labels of the same range one-hot encoded, <c>[count, 10]</c>: row i has a 1 in column label(i).</summary>
    /// <param name="split">The training or test part.</param>
    /// <param name="start">The first label.</param>
    /// <param name="count">How many labels; <see langword="null"/> for all from <paramref name="start"/> on.</param>
    /// <returns>A new float32 tensor of zeros and ones.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the split.</exception>
    public static Tensor OneHotLabels(MnistSplit split, int start = 0, int? count = null)
    {
        int n = CheckRange(split, start, count);
        var data = new float[n * 10];
        for (int i = 0; i < n; i++)
        {
            data[(i * 10) + split.Labels[start + i]] = 1f;
        }
        return Tensor.FromArray(data, n, 10);
    }

    private static int CheckRange(MnistSplit split, int start, int? count)
    {
        if (start < 0 || start > split.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"The split holds {split.Count} images; start must be in [0, {split.Count}].");
        }
        int n = count ?? (split.Count - start);
        if (n < 0 || start + n > split.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Images {start}..{start + n - 1} are not all inside the split of {split.Count}.");
        }
        return n;
    }
}
