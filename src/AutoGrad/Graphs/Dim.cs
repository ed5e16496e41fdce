using System.Globalization;

namespace AutoGrad.Graphs;

/// <summary>
/// One axis extent of a graph type: either a fixed number or a multiple of the symbolic batch size <c>B</c>, so that
/// one graph serves every batch size. Printed as <c>128</c>, <c>B</c> or <c>2B</c>.
/// </summary>
public readonly struct Dim : IEquatable<Dim>
{
    private Dim(int value, bool isSymbolic)
    {
        Value = value;
        IsSymbolic = isSymbolic;
    }

    /// <summary>The symbolic batch dimension <c>B</c>.</summary>
    public static Dim B => new(1, true);

    /// <summary>The extent when fixed, or the factor of <c>B</c> when symbolic.</summary>
    public int Value { get; }

    /// <summary>Whether the extent is a multiple of the batch size.</summary>
    public bool IsSymbolic { get; }

    /// <summary>A fixed extent.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The extent is negative.</exception>
    public static Dim Fixed(int extent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(extent);
        return new Dim(extent, false);
    }

    /// <summary><paramref name="factor"/>·B, e.g. the flattened extent of a reshape that merges the batch with another axis.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The factor is not positive.</exception>
    public static Dim TimesBatch(int factor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        return new Dim(factor, true);
    }

    /// <summary>A fixed extent.</summary>
    public static implicit operator Dim(int extent) => Fixed(extent);

    /// <summary>The concrete extent for a batch size.</summary>
    public int Resolve(int batch) => IsSymbolic ? Value * batch : Value;

    /// <inheritdoc/>
    public bool Equals(Dim other) => Value == other.Value && IsSymbolic == other.IsSymbolic;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Dim other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Value, IsSymbolic);

    /// <summary>Equality.</summary>
    public static bool operator ==(Dim left, Dim right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Dim left, Dim right) => !left.Equals(right);

    /// <summary><c>128</c>, <c>B</c> or <c>2B</c>.</summary>
    public override string ToString() =>
        !IsSymbolic ? Value.ToString(CultureInfo.InvariantCulture) : Value == 1 ? "B" : Value.ToString(CultureInfo.InvariantCulture) + "B";

    /// <summary>
    /// The dimension that takes <paramref name="first"/> at batch <paramref name="batch1"/> and <paramref name="second"/> at
    /// <paramref name="batch2"/>: fixed when equal, k·B when both are the same multiple of their batch, otherwise null.
    /// </summary>
    internal static Dim? Unify(int first, int second, int batch1, int batch2)
    {
        if (first == second)
        {
            return Fixed(first);
        }

        if (first % batch1 == 0 && second % batch2 == 0 && first / batch1 == second / batch2 && first / batch1 > 0)
        {
            return TimesBatch(first / batch1);
        }

        return null;
    }
}
