namespace AutoGrad.NN.Layers;

/// <summary>
/// A (height, width) pair for 2-D layer settings — kernel size, stride, dilation, padding — that converts implicitly
/// from one <see cref="int"/> (the same on both axes) or an <c>(int Height, int Width)</c> tuple, like PyTorch's
/// <c>int | tuple[int, int]</c> arguments: <c>kernelSize: 3</c> and <c>kernelSize: (3, 5)</c> both read naturally.
/// </summary>
/// <param name="Height">The value along the height axis.</param>
/// <param name="Width">The value along the width axis.</param>
public readonly record struct Size2D(int Height, int Width)
{
    /// <summary>The same value on both axes.</summary>
    public static implicit operator Size2D(int value) => new(value, value);

    /// <summary>A (height, width) pair.</summary>
    public static implicit operator Size2D((int Height, int Width) value) => new(value.Height, value.Width);

    /// <summary>The pair as a tuple.</summary>
    public (int Height, int Width) ToTuple() => (Height, Width);

    /// <inheritdoc/>
    public override string ToString() => Height == Width ? $"{Height}" : $"({Height}, {Width})";
}
