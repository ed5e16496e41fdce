namespace AutoGrad.IO;

/// <summary>The tensors and metadata read from a safetensors file.</summary>
public sealed class SafeTensorsContent
{
    private readonly Dictionary<string, SafeTensorEntry> _byName;

    /// <summary>Creates the content from entries and metadata.</summary>
    /// <param name="entries">The tensors; names must be unique.</param>
    /// <param name="metadata">The <c>__metadata__</c> pairs; empty when the file has none.</param>
    /// <exception cref="ArgumentException">Two entries share a name.</exception>
    public SafeTensorsContent(IReadOnlyList<SafeTensorEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(metadata);
        Entries = entries;
        Metadata = metadata;
        _byName = new Dictionary<string, SafeTensorEntry>(StringComparer.Ordinal);
        foreach (SafeTensorEntry entry in entries)
        {
            if (!_byName.TryAdd(entry.Name, entry))
            {
                throw new ArgumentException($"Two entries are named '{entry.Name}'.", nameof(entries));
            }
        }
    }

    /// <summary>The tensors, in the order of their data in the file (for files written by <see cref="SafeTensorsFile"/> also the header order).</summary>
    public IReadOnlyList<SafeTensorEntry> Entries { get; }

    /// <summary>The string pairs of the header's <c>__metadata__</c> object; empty when it has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Gets the tensor named <paramref name="name"/>.</summary>
    /// <param name="name">The tensor's key (ordinal, case-sensitive).</param>
    /// <exception cref="KeyNotFoundException">No tensor has that name; the message lists the names there are.</exception>
    public SafeTensorEntry this[string name] =>
        _byName.TryGetValue(name, out SafeTensorEntry? entry)
            ? entry
            : throw new KeyNotFoundException($"No tensor named '{name}'; the file holds: {string.Join(", ", Entries.Select(e => $"'{e.Name}'"))}.");

    /// <summary>Looks up the tensor named <paramref name="name"/>.</summary>
    /// <param name="name">The tensor's key (ordinal, case-sensitive).</param>
    /// <param name="entry">The tensor, or <see langword="null"/> when there is none of that name.</param>
    /// <returns>Whether the tensor exists.</returns>
    public bool TryGetEntry(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafeTensorEntry? entry) =>
        _byName.TryGetValue(name, out entry);
}
