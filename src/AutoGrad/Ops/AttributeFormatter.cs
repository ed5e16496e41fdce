using System.Globalization;
using AutoGrad.Tensors;

namespace AutoGrad.Ops;

/// <summary>Formats op attribute values the same way on every machine (invariant culture, round-trip numbers).</summary>
public static class AttributeFormatter
{
    /// <summary>Formats an attribute value: numbers round-trip, booleans as <c>True</c>/<c>False</c>, arrays as tuples.</summary>
    public static string Format(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        Shape s => s.ToString(),
        DType t => t.ShortName(),
        int[] a => a.Length == 1 ? $"({a[0]},)" : "(" + string.Join(",", a) + ")",
        System.Collections.IEnumerable e and not string => "(" + string.Join(",", e.Cast<object?>().Select(Format)) + ")",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
