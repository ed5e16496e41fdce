namespace AutoGrad.Data;

/// <summary>One part (training or test) of MNIST, as raw bytes.</summary>
/// <param name="Images">
/// <c>Count × Rows × Cols</c> pixels, image after image, each row-major; 0 is background, 255 full ink.
/// </param>
/// <param name="Labels"><c>Count</c> digits 0–9, one per image.</param>
/// <param name="Count">The number of images (60,000 for training, 10,000 for test in the standard files).</param>
/// <param name="Rows">The height of an image in pixels (28).</param>
/// <param name="Cols">The width of an image in pixels (28).</param>
public sealed record MnistSplit(byte[] Images, byte[] Labels, int Count, int Rows, int Cols)
{
    /// <summary>The number of pixels of one image: <c>Rows × Cols</c>.</summary>
    public int PixelsPerImage => Rows * Cols;

    /// <summary>The pixels of image <paramref name="index"/>, row-major, without copying.</summary>
    /// <param name="index">0 ≤ index &lt; <see cref="Count"/>.</param>
    /// <returns>A view of <see cref="PixelsPerImage"/> bytes of <see cref="Images"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, Count).</exception>
    public ReadOnlyMemory<byte> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Images.AsMemory(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>
    /// The images as a float32 tensor <c>[Count, Rows·Cols]</c> scaled to [0, 1], ready for a model; with
    /// <paramref name="raw"/>, the pixels as they are in the file, a <see cref="Tensors.DType.UInt8"/> tensor of 0–255.
    /// </summary>
    /// <param name="raw">Whether to return the unscaled U8 pixels.</param>
    public Tensors.Tensor ImagesTensor(bool raw = false)
    {
        if (raw)
        {
            return Tensors.Tensor.FromArray(Images, Count, PixelsPerImage);
        }

        var pixels = new float[Count * PixelsPerImage];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = Images[i] / 255f;
        }

        return Tensors.Tensor.FromArray(pixels, Count, PixelsPerImage);
    }

    /// <summary>The labels as an <see cref="Tensors.DType.Int64"/> tensor <c>[Count]</c> of class indices 0–9 (what <c>CrossEntropy</c> and accuracy take).</summary>
    public Tensors.Tensor LabelsTensor()
    {
        var labels = new long[Count];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = Labels[i];
        }

        return Tensors.Tensor.FromArray(labels, Count);
    }
}
