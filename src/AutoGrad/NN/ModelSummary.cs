using System.Globalization;
using System.Text;
using AutoGrad.NN.Functional;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>Formats <see cref="Layer.Summary"/>: one row per direct sub-layer, then totals.</summary>
internal static class ModelSummary
{
    public static string Format(Layer model)
    {
        if (model is FunctionalModel functional)
        {
            return FormatFunctional(functional);
        }

        var rows = new List<(string Layer, string Shape, string Params)>();
        foreach (var (name, child) in model.NamedChildren())
        {
            rows.Add(($"{name} ({child.GetType().Name})", ShapeText(child.OutputShape), Count(child.ParameterCount)));
        }

        long total = model.ParameterCount;
        long buffers = model.NamedBuffers().Sum(b => (long)b.Value.Size);
        string[] header = ["Layer (type)", "Output Shape", "Param #"];
        int w0 = Math.Max(header[0].Length, rows.Count == 0 ? 0 : rows.Max(r => r.Layer.Length)) + 2;
        int w1 = Math.Max(header[1].Length, rows.Count == 0 ? 0 : rows.Max(r => r.Shape.Length)) + 2;
        int w2 = Math.Max(header[2].Length, rows.Count == 0 ? 0 : rows.Max(r => r.Params.Length));
        int width = w0 + w1 + w2;

        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(model.Name).Append("\"\n");
        sb.Append('=', width).Append('\n');
        sb.Append(header[0].PadRight(w0)).Append(header[1].PadRight(w1)).Append(header[2].PadLeft(w2)).Append('\n');
        sb.Append('=', width).Append('\n');
        foreach (var (layer, shape, parameters) in rows)
        {
            sb.Append(layer.PadRight(w0)).Append(shape.PadRight(w1)).Append(parameters.PadLeft(w2)).Append('\n');
        }

        sb.Append('=', width).Append('\n');
        sb.Append("Total params: ").Append(Count(total + buffers)).Append('\n');
        sb.Append("Trainable params: ").Append(Count(total)).Append('\n');
        sb.Append("Non-trainable params: ").Append(Count(buffers)).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// Keras' functional summary: a row per input (<c>InputLayer</c>) and per distinct layer, in the order the graph first
    /// uses them, with the output shape inferred when the layer was called on symbolic tensors, its parameters (a shared
    /// layer's once) and the tensors it was called on as <c>layer[call][output]</c> — every call of a shared layer listed.
    /// </summary>
    private static string FormatFunctional(FunctionalModel model)
    {
        var keys = new Dictionary<Layer, string>(ReferenceEqualityComparer.Instance);
        foreach (var (key, child) in model.NamedChildren())
        {
            keys[child] = key;
        }

        var inputNames = model.InputNames;
        var callIndex = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        var calls = new Dictionary<Layer, int>(ReferenceEqualityComparer.Instance);
        foreach (var node in model.Nodes)
        {
            calls[node.Layer] = calls.TryGetValue(node.Layer, out int n) ? n + 1 : 1;
            callIndex[node] = calls[node.Layer] - 1;
        }

        string Ref(SymbolicTensor t)
        {
            if (t.Node is { } node)
            {
                return $"{keys[node.Layer]}[{callIndex[node]}][{t.OutputIndex}]";
            }

            int i = model.Inputs.ToList().FindIndex(x => ReferenceEquals(x, t));
            return $"{inputNames[i]}[0][0]";
        }

        var rows = new List<string[]>();
        for (int i = 0; i < model.Inputs.Count; i++)
        {
            rows.Add([$"{inputNames[i]} (InputLayer)", SymbolicTensor.ShapeText(model.Inputs[i].ExampleShape), "0", "-"]);
        }

        foreach (var layer in model.Layers)
        {
            var nodes = model.Nodes.Where(n => ReferenceEquals(n.Layer, layer)).ToList();
            var shapes = nodes.SelectMany(n => n.Outputs).Select(o => SymbolicTensor.ShapeText(o.ExampleShape)).Distinct().ToList();
            rows.Add([$"{keys[layer]} ({layer.GetType().Name})", string.Join(", ", shapes), Count(layer.ParameterCount),
                string.Join(", ", nodes.SelectMany(n => n.Inputs).Select(Ref))]);
        }

        string[] header = ["Layer (type)", "Output Shape", "Param #", "Connected to"];
        int[] widths = [.. Enumerable.Range(0, 4).Select(c => Math.Max(header[c].Length, rows.Max(r => r[c].Length)) + (c < 3 ? 2 : 0))];
        int width = widths.Sum();
        var sb = new StringBuilder();
        void Row(string[] cells) =>
            sb.Append(cells[0].PadRight(widths[0])).Append(cells[1].PadRight(widths[1]))
              .Append(cells[2].PadLeft(widths[2] - 2)).Append("  ").Append(cells[3]).Append('\n');

        long total = model.ParameterCount;
        long buffers = model.NamedBuffers().Sum(b => (long)b.Value.Size);
        sb.Append("Model: \"").Append(model.Name).Append("\"\n");
        sb.Append('=', width).Append('\n');
        Row(header);
        sb.Append('=', width).Append('\n');
        foreach (var row in rows)
        {
            Row(row);
        }

        sb.Append('=', width).Append('\n');
        sb.Append("Total params: ").Append(Count(total + buffers)).Append('\n');
        sb.Append("Trainable params: ").Append(Count(total)).Append('\n');
        sb.Append("Non-trainable params: ").Append(Count(buffers)).Append('\n');
        return sb.ToString();
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string ShapeText(Shape? shape)
    {
        if (shape is not { } s)
        {
            return "? (not called yet)";
        }

        var dims = s.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();
        if (dims.Length > 0)
        {
            dims[0] = "None";
        }

        return dims.Length == 1 ? $"({dims[0]},)" : "(" + string.Join(", ", dims) + ")";
    }
}
