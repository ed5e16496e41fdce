namespace AutoGrad.NN.Training;

/// <summary>What <c>Model.Fit</c> returns: one value per completed epoch for the loss, each metric and their <c>val_</c> counterparts.</summary>
public sealed class History
{
    private readonly Dictionary<string, List<double>> values = new(StringComparer.Ordinal);
    private readonly List<string> order = [];

    /// <summary>The number of completed epochs.</summary>
    public int Epochs { get; private set; }

    /// <summary>The recorded keys in first-seen order (<c>loss</c>, metrics, <c>val_loss</c>, …).</summary>
    public IReadOnlyList<string> Keys => order;

    /// <summary>The per-epoch values of one key.</summary>
    /// <exception cref="KeyNotFoundException">The key was never recorded; the message lists the recorded ones.</exception>
    public IReadOnlyList<double> this[string key] => values.TryGetValue(key, out var list)
        ? list
        : throw new KeyNotFoundException($"History has no '{key}'; recorded: {string.Join(", ", order)}.");

    /// <summary>Whether a key was recorded.</summary>
    public bool Contains(string key) => values.ContainsKey(key);

    /// <summary>Appends one epoch's logs.</summary>
    internal void Add(IReadOnlyDictionary<string, double> logs)
    {
        foreach (var (key, value) in logs)
        {
            if (!values.TryGetValue(key, out var list))
            {
                values[key] = list = [];
                order.Add(key);
            }

            list.Add(value);
        }

        Epochs++;
    }
}
