using System.Globalization;

namespace AutoGrad.Graphs;

/// <summary>
/// One axis extent of a graph type: a fixed number, or a multiple of a product of symbolic sizes — the batch size
/// <c>B</c> and any named dimension such as a sequence length <c>T</c> — so that one graph serves every size. Printed as
/// <c>128</c>, <c>B</c>, <c>2B</c>, <c>T</c> or, for a product (a reshape that merges the batch with the time axis),
/// <c>B*T</c> and <c>4*B*T</c>.
/// </summary>
public readonly struct Dim : IEquatable<Dim>
{
    /// <summary>The name of the batch size.</summary>
    public const string BatchName = "B";

    // The symbols of the product, sorted (B first, then ordinal) and repeated for powers ("B*T", "T*T"); null when fixed.
    private readonly string? symbols;

    private Dim(int value, string? symbols)
    {
        Value = value;
        this.symbols = symbols;
    }

    /// <summary>The symbolic batch dimension <c>B</c>.</summary>
    public static Dim B => new(1, BatchName);

    /// <summary>The extent when fixed, or the factor of the symbols' product when symbolic.</summary>
    public int Value { get; }

    /// <summary>Whether the extent depends on a symbolic size (the batch or a named dimension).</summary>
    public bool IsSymbolic => symbols is not null;

    /// <summary>Whether the extent is a multiple of the batch size alone (<c>B</c>, <c>2B</c>).</summary>
    public bool IsBatchMultiple => symbols == BatchName;

    /// <summary>The symbols whose product the extent is a multiple of, e.g. <c>["B", "T"]</c>; empty when fixed.</summary>
    public IReadOnlyList<string> Symbols => symbols?.Split('*') ?? [];

    /// <summary>A fixed extent.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The extent is negative.</exception>
    public static Dim Fixed(int extent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(extent);
        return new Dim(extent, null);
    }

    /// <summary><paramref name="factor"/>·B, e.g. the flattened extent of a reshape that merges the batch with another axis.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The factor is not positive.</exception>
    public static Dim TimesBatch(int factor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        return new Dim(factor, BatchName);
    }

    /// <summary>
    /// A named symbolic dimension, e.g. <c>Dim.Named("T")</c> for a sequence length that changes from call to call:
    /// a graph traced with it runs at every length, as it runs at every batch size. <c>"B"</c> is the batch size.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a letter followed by letters, digits or underscores.</exception>
    public static Dim Named(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!char.IsAsciiLetter(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"Dim.Named: '{name}' is not a dimension name (a letter followed by letters, digits or underscores).", nameof(name));
        }

        return new Dim(1, name);
    }

    /// <summary>A fixed extent.</summary>
    public static implicit operator Dim(int extent) => Fixed(extent);

    /// <summary>The product of two extents (e.g. a reshape merging <c>B</c> and <c>T</c> into <c>B*T</c>).</summary>
    public static Dim operator *(Dim left, Dim right) => Monomial(checked(left.Value * right.Value), [.. left.Symbols, .. right.Symbols]);

    /// <summary>The concrete extent for a batch size; the dimension must not use a named size.</summary>
    /// <exception cref="InvalidOperationException">The dimension uses a named size, which a batch size alone does not give.</exception>
    public int Resolve(int batch) => Resolve(new DimBindings(batch));

    /// <summary>The concrete extent for the given sizes.</summary>
    /// <exception cref="InvalidOperationException">A named size the dimension uses is not bound.</exception>
    public int Resolve(DimBindings sizes)
    {
        if (symbols is null)
        {
            return Value;
        }

        if (IsBatchMultiple)
        {
            return checked(Value * sizes.Batch);
        }

        long extent = Value;
        foreach (string symbol in Symbols)
        {
            extent *= sizes[symbol];
        }

        return checked((int)extent);
    }

    /// <inheritdoc/>
    public bool Equals(Dim other) => Value == other.Value && symbols == other.symbols;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Dim other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Value, symbols);

    /// <summary>Equality.</summary>
    public static bool operator ==(Dim left, Dim right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Dim left, Dim right) => !left.Equals(right);

    /// <summary><c>128</c>, <c>B</c>, <c>2B</c>, <c>T</c>, <c>B*T</c> or <c>4*B*T</c>.</summary>
    public override string ToString()
    {
        string value = Value.ToString(CultureInfo.InvariantCulture);
        if (symbols is null)
        {
            return value;
        }

        return Value == 1 ? symbols : symbols.Contains('*') ? value + "*" + symbols : value + symbols;
    }

    /// <summary>factor × the product of <paramref name="symbolList"/> (any order, repeats for powers); fixed when empty.</summary>
    internal static Dim Monomial(int factor, IEnumerable<string> symbolList)
    {
        string[] sorted = [.. symbolList.Order(SymbolOrder.Instance)];
        return sorted.Length == 0 ? Fixed(factor) : new Dim(factor, string.Join('*', sorted));
    }

    /// <summary>
    /// The dimension that takes <paramref name="first"/> with sizes <paramref name="firstSizes"/> and
    /// <paramref name="second"/> with <paramref name="secondSizes"/>: fixed when equal, else the monomial (each symbol to
    /// a power of at most 2) that gives both with one factor, or null when none does.
    /// </summary>
    internal static Dim? Unify(int first, int second, DimBindings firstSizes, DimBindings secondSizes)
    {
        if (first == second)
        {
            return Fixed(first);
        }

        foreach (Dim unit in Units(firstSizes.Names))
        {
            long p1 = unit.Resolve(firstSizes), p2 = unit.Resolve(secondSizes);
            if (first % p1 == 0 && second % p2 == 0 && first / p1 == second / p2 && first / p1 > 0)
            {
                return Monomial((int)(first / p1), unit.Symbols);
            }
        }

        return null;
    }

    /// <summary>
    /// Every product of <paramref name="names"/> with each to a power of 0 to 2, but not all 0, as a dimension with factor
    /// 1 (<c>B</c>, <c>B*B</c>, <c>T</c>, <c>B*T</c>, …): the candidates a two-pass trace tests an extent or a constant against.
    /// </summary>
    internal static IEnumerable<Dim> Units(IEnumerable<string> names)
    {
        string[] symbols = [.. names];
        var powers = new int[symbols.Length];
        while (Step(powers))
        {
            yield return Monomial(1, symbols.SelectMany((name, i) => Enumerable.Repeat(name, powers[i])));
        }

        // Counts through the power vectors like an odometer in base 3; false after the last.
        static bool Step(int[] powers)
        {
            for (int i = 0; i < powers.Length; i++)
            {
                if (++powers[i] <= 2)
                {
                    return true;
                }

                powers[i] = 0;
            }

            return false;
        }
    }

    /// <summary>B first, then names in ordinal order.</summary>
    internal sealed class SymbolOrder : IComparer<string>
    {
        public static readonly SymbolOrder Instance = new();

        public int Compare(string? x, string? y) =>
            x == y ? 0 : x == BatchName ? -1 : y == BatchName ? 1 : string.CompareOrdinal(x, y);
    }
}
