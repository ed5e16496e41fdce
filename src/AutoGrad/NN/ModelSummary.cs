using System.Globalization;
using System.Text;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>Formats <see cref="Layer.Summary"/>: one row per direct sub-layer, then totals.</summary>
internal static class ModelSummary
{
    public static string Format(Layer model)
    {
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
