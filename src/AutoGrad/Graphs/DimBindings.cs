using System.Globalization;

namespace AutoGrad.Graphs;

/// <summary>
/// The sizes a graph runs at: the batch size <c>B</c> and the size of each named dimension (<see cref="Dim.Named"/>).
/// An <c>int</c> converts to the bindings of that batch size alone.
/// </summary>
public readonly struct DimBindings : IEquatable<DimBindings>
{
    private static readonly KeyValuePair<string, int>[] NoNames = [];

    // Named sizes sorted by name (ordinal); null when there are none.
    private readonly KeyValuePair<string, int>[]? named;

    /// <summary>Binds the batch size alone.</summary>
    public DimBindings(int batch)
    {
        Batch = batch;
        named = null;
    }

    private DimBindings(int batch, KeyValuePair<string, int>[]? named)
    {
        Batch = batch;
        this.named = named;
    }

    /// <summary>The batch size <c>B</c>.</summary>
    public int Batch { get; }

    /// <summary>Every bound symbol: <c>B</c> first, then the named dimensions by name.</summary>
    public IEnumerable<string> Names => named is null ? [Dim.BatchName] : [Dim.BatchName, .. named.Select(p => p.Key)];

    /// <summary>Whether any named dimension is bound (the batch alone otherwise).</summary>
    public bool HasNamed => named is not null;

    /// <summary>The size of a symbol.</summary>
    /// <exception cref="InvalidOperationException">The symbol is a named dimension without a size here.</exception>
    public int this[string symbol]
    {
        get
        {
            if (symbol == Dim.BatchName)
            {
                return Batch;
            }

            foreach (var (name, size) in named ?? NoNames)
            {
                if (name == symbol)
                {
                    return size;
                }
            }

            throw new InvalidOperationException(
                $"The named dimension '{symbol}' has no size here ({this}); its size comes from an input whose spec has '{symbol}' on an axis.");
        }
    }

    /// <summary>Whether a symbol has a size.</summary>
    public bool Binds(string symbol) => symbol == Dim.BatchName || (named?.Any(p => p.Key == symbol) ?? false);

    /// <summary>An int is the bindings of that batch size alone.</summary>
    public static implicit operator DimBindings(int batch) => new(batch);

    /// <summary>These bindings with <paramref name="symbol"/> bound to <paramref name="size"/> (replacing any size it had).</summary>
    public DimBindings With(string symbol, int size)
    {
        if (symbol == Dim.BatchName)
        {
            return new DimBindings(size, named);
        }

        var list = (named ?? NoNames).Where(p => p.Key != symbol).Append(new(symbol, size)).OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
        return new DimBindings(Batch, list);
    }

    /// <inheritdoc/>
    public bool Equals(DimBindings other)
    {
        // Compared field by field: KeyValuePair has no IEquatable, and plan lookups run on every compiled call.
        KeyValuePair<string, int>[] mine = named ?? NoNames, theirs = other.named ?? NoNames;
        if (Batch != other.Batch || mine.Length != theirs.Length)
        {
            return false;
        }

        for (int i = 0; i < mine.Length; i++)
        {
            if (mine[i].Key != theirs[i].Key || mine[i].Value != theirs[i].Value)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DimBindings other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Batch);
        foreach (var pair in named ?? NoNames)
        {
            hash.Add(pair.Key);
            hash.Add(pair.Value);
        }

        return hash.ToHashCode();
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(DimBindings left, DimBindings right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(DimBindings left, DimBindings right) => !left.Equals(right);

    /// <summary>For messages: <c>batch size 4</c>, or <c>sizes (B=4, T=9)</c> when a named dimension is bound.</summary>
    internal string Describe() => HasNamed ? $"sizes ({this})" : $"batch size {Batch}";

    /// <summary><c>B=4</c> or <c>B=4, T=9</c>.</summary>
    public override string ToString()
    {
        DimBindings self = this;
        return string.Join(", ", Names.Select(n => n + "=" + self[n].ToString(CultureInfo.InvariantCulture)));
    }
}
