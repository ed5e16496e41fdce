namespace AutoGrad.NN.Layers;

/// <summary>
/// How a convolution layer pads its input: <c>"valid"</c> (none), <c>"same"</c> (enough zeros that the output has
/// ⌈size / stride⌉ positions, so exactly the input size at stride 1), or explicit zeros on both sides of each spatial
/// axis. Converts implicitly from a string, an <see cref="int"/> (the same on every axis) or an
/// <c>(int Height, int Width)</c> pair, so <c>padding: "same"</c>, <c>padding: 1</c> and <c>padding: (0, 2)</c> all read
/// naturally.
/// </summary>
/// <remarks>
/// <c>"same"</c> follows TensorFlow/Keras (and PyTorch's <c>padding="same"</c> at stride 1): along an axis of size L the
/// total padding is max((⌈L/s⌉ − 1)·s + d·(k − 1) + 1 − L, 0), split as evenly as possible with the odd zero after.
/// </remarks>
public readonly record struct ConvPadding
{
    private ConvPadding(string mode, int height, int width)
    {
        Mode = mode;
        Height = height;
        Width = width;
    }

    /// <summary>No padding.</summary>
    public static ConvPadding Valid { get; } = new("valid", 0, 0);

    /// <summary>Output size ⌈input / stride⌉ (see the remarks).</summary>
    public static ConvPadding Same { get; } = new("same", 0, 0);

    /// <summary><c>"valid"</c>, <c>"same"</c> or <c>"explicit"</c>.</summary>
    public string Mode { get; }

    /// <summary>Explicit zeros before and after the height axis (0 unless <see cref="Mode"/> is <c>"explicit"</c>).</summary>
    public int Height { get; }

    /// <summary>Explicit zeros before and after the width (or, for 1-D layers, length) axis.</summary>
    public int Width { get; }

    /// <summary>The same explicit padding on every spatial axis.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The padding is negative.</exception>
    public static ConvPadding Explicit(int padding) => Explicit(padding, padding);

    /// <summary>Explicit padding per axis.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A padding is negative.</exception>
    public static ConvPadding Explicit(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        return new("explicit", height, width);
    }

    /// <summary><c>"valid"</c> or <c>"same"</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other string.</exception>
    public static ConvPadding FromName(string mode) => mode?.ToLowerInvariant() switch
    {
        "valid" => Valid,
        "same" => Same,
        _ => throw new ArgumentException($"Unknown padding '{mode}': use \"valid\", \"same\", or a number of zeros per side.", nameof(mode)),
    };

    /// <summary>See <see cref="FromName"/>.</summary>
    public static implicit operator ConvPadding(string mode) => FromName(mode);

    /// <summary>See <see cref="Explicit(int)"/>.</summary>
    public static implicit operator ConvPadding(int padding) => Explicit(padding);

    /// <summary>See <see cref="Explicit(int, int)"/>.</summary>
    public static implicit operator ConvPadding((int Height, int Width) padding) => Explicit(padding.Height, padding.Width);

    /// <summary>The zeros before and after one axis of size <paramref name="size"/> for a kernel, stride and dilation.</summary>
    internal (int Before, int After) Resolve(int size, int kernel, int stride, int dilation, int explicitPadding)
    {
        switch (Mode)
        {
            case "same":
                int outSize = (size + stride - 1) / stride;
                int total = Math.Max(((outSize - 1) * stride) + (dilation * (kernel - 1)) + 1 - size, 0);
                return (total / 2, total - (total / 2));
            case "explicit":
                return (explicitPadding, explicitPadding);
            default:
                return (0, 0);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Mode == "explicit" ? $"({Height}, {Width})" : Mode;
}
