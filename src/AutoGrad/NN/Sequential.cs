using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>
/// Layers applied one after another. Sub-layers are named like Keras, per model: the first <c>Dense</c> is
/// <c>dense</c>, the next <c>dense_1</c>, and so on (a layer given an explicit name keeps it), so parameter names
/// are <c>dense.kernel</c>, <c>dense_1.bias</c>, whatever else the program has built.
/// </summary>
public class Sequential : Model, IKeyedLayers
{
    [NotTracked]
    private readonly List<Layer> layers = [];

    /// <summary>Creates a model from layers, applied in order.</summary>
    public Sequential(params Layer[] layers)
    {
        foreach (var layer in layers)
        {
            Add(layer);
        }
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<Layer> Layers => layers;

    /// <summary>The number of layers.</summary>
    public int Count => layers.Count;

    /// <summary>The layer at <paramref name="index"/>.</summary>
    public Layer this[int index] => layers[index];

    /// <summary>Appends a layer; returns this model for chaining.</summary>
    public Sequential Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (ReferenceEquals(layer, this))
        {
            throw new ArgumentException("Sequential.Add: a model cannot contain itself.");
        }

        layers.Add(layer);
        InvalidateStructure();
        return this;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        Tensor x = input;
        foreach (var layer in layers)
        {
            x = layer.Call(x);
        }

        return x;
    }

    /// <summary>The layers with their per-model keys (<c>dense</c>, <c>dense_1</c>, …).</summary>
    internal IReadOnlyList<KeyValuePair<string, Layer>> KeyedLayers() => IKeyedLayers.Keys(layers);

    /// <inheritdoc/>
    IReadOnlyList<KeyValuePair<string, Layer>> IKeyedLayers.KeyedLayers() => KeyedLayers();

    /// <inheritdoc/>
    Action<object>? IKeyedLayers.Replacer(int index) => v => ReplaceAt(index, (Layer)v);

    internal void ReplaceAt(int index, Layer layer)
    {
        layers[index] = layer;
        InvalidateStructure();
    }
}
