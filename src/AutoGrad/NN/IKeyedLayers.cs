namespace AutoGrad.NN;

/// <summary>
/// A model that holds its layers in a list rather than in fields (<see cref="Sequential"/>,
/// <see cref="Functional.FunctionalModel"/>): discovery names them by per-model keys derived from the layers' names, like
/// Keras (<c>dense</c>, <c>dense_1</c>), and watches the list and the explicit names for changes.
/// </summary>
internal interface IKeyedLayers
{
    /// <summary>The layers, in order (each once).</summary>
    IReadOnlyList<Layer> Layers { get; }

    /// <summary>The layers with their keys.</summary>
    IReadOnlyList<KeyValuePair<string, Layer>> KeyedLayers();

    /// <summary>What puts a new layer in slot <paramref name="index"/>, or null when the slot cannot be replaced.</summary>
    Action<object>? Replacer(int index);

    /// <summary>Keys for layers by name: the first <c>dense</c> is <c>dense</c>, the next <c>dense_1</c>, skipping keys in use.</summary>
    static IReadOnlyList<KeyValuePair<string, Layer>> Keys(IReadOnlyList<Layer> layers)
    {
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<KeyValuePair<string, Layer>>(layers.Count);
        foreach (var layer in layers)
        {
            string baseName = layer.Name;
            string key = baseName;
            if (used.TryGetValue(baseName, out int count))
            {
                do
                {
                    key = $"{baseName}_{count++}";
                }
                while (used.ContainsKey(key));
                used[baseName] = count;
            }
            else
            {
                used[baseName] = 1;
            }

            used.TryAdd(key, 1);
            result.Add(KeyValuePair.Create(key, layer));
        }

        return result;
    }
}
