using System.Globalization;
using System.Text;

namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>Tensors with more elements than this print with "..." in the middle of long axes, as NumPy does.</summary>
    public const int PrintThreshold = 1000;

    private const int EdgeItems = 3;

    /// <summary>
    /// Prints like NumPy: nested brackets, values right-aligned to a common width, whole floating-point numbers as
    /// <c>1.</c>, integers as <c>1</c>, booleans as <c>True</c>/<c>False</c>, and summarized with <c>...</c> when the
    /// tensor has more than <see cref="PrintThreshold"/> elements. Same text on every machine (invariant culture).
    /// </summary>
    [ForwardsExtents]
    public override string ToString()
    {
        if (IsAbstract)
        {
            return $"traced {Type}";
        }

        bool summarize = Size > PrintThreshold;
        var shown = new List<int>();
        Collect(0, 0, summarize, shown);
        Func<int, string> format = ChooseFormat(shown);
        int width = 0;
        foreach (int i in shown)
        {
            width = Math.Max(width, format(i).Length);
        }

        var sb = new StringBuilder();
        Write(sb, 0, 0, summarize, format, width);
        return sb.ToString();
    }

    private void Collect(int axis, int offset, bool summarize, List<int> positions)
    {
        if (axis == Rank)
        {
            positions.Add(offset);
            return;
        }

        int extent = Shape[axis];
        int stride = Shape.Size == 0 ? 0 : StrideOf(axis);
        foreach (int i in Indices(extent, summarize))
        {
            if (i >= 0)
            {
                Collect(axis + 1, offset + (i * stride), summarize, positions);
            }
        }
    }

    private void Write(StringBuilder sb, int axis, int offset, bool summarize, Func<int, string> format, int width)
    {
        if (axis == Rank)
        {
            sb.Append(format(offset).PadLeft(width));
            return;
        }

        sb.Append('[');
        int extent = Shape[axis];
        int stride = Shape.Size == 0 ? 0 : StrideOf(axis);
        bool first = true;
        string separator = axis == Rank - 1 ? " " : new string('\n', Rank - axis - 1) + new string(' ', axis + 1);
        foreach (int i in Indices(extent, summarize))
        {
            if (!first)
            {
                sb.Append(separator);
            }

            first = false;
            if (i < 0)
            {
                sb.Append("...");
                continue;
            }

            Write(sb, axis + 1, offset + (i * stride), summarize, format, width);
        }

        sb.Append(']');
    }

    private int StrideOf(int axis)
    {
        int stride = 1;
        for (int i = axis + 1; i < Rank; i++)
        {
            stride *= Shape[i];
        }

        return stride;
    }

    // Index −1 stands for the "..." marker.
    private static IEnumerable<int> Indices(int extent, bool summarize)
    {
        if (!summarize || extent <= 2 * EdgeItems)
        {
            for (int i = 0; i < extent; i++)
            {
                yield return i;
            }

            yield break;
        }

        for (int i = 0; i < EdgeItems; i++)
        {
            yield return i;
        }

        yield return -1;
        for (int i = extent - EdgeItems; i < extent; i++)
        {
            yield return i;
        }
    }

    /// <summary>How the element at a flat position prints, chosen once from the elements shown.</summary>
    private Func<int, string> ChooseFormat(List<int> positions)
    {
        switch (ReadElements())
        {
            case bool[] flags:
                // NumPy reserves the width of "False" even when every value is true: [ True  True].
                return i => flags[i] ? " True" : "False";
            case long[] or int[] or byte[]:
                // Exact: read as long, not through double (an int64 above 2^53 keeps its last digits).
                long[] wide = Kernels.Cast.ToInt64(this);
                return i => wide[i].ToString(CultureInfo.InvariantCulture);
        }

        var values = new List<double>(positions.Count);
        foreach (int i in positions)
        {
            values.Add(GetFlat(i));
        }

        Func<double, string> format = ChooseFloatFormat(values);
        return i => format(GetFlat(i));
    }

    private static Func<double, string> ChooseFloatFormat(List<double> values)
    {
        var inv = CultureInfo.InvariantCulture;
        bool allIntegers = true;
        double maxAbs = 0, minAbsNonZero = double.MaxValue;
        foreach (double v in values)
        {
            if (!double.IsFinite(v))
            {
                continue;
            }

            allIntegers &= v == Math.Floor(v);
            double a = Math.Abs(v);
            maxAbs = Math.Max(maxAbs, a);
            if (a > 0)
            {
                minAbsNonZero = Math.Min(minAbsNonZero, a);
            }
        }

        static string Special(double v) => double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";

        if (maxAbs >= 1e8 || (minAbsNonZero < 1e-4 && minAbsNonZero != double.MaxValue))
        {
            return v => double.IsFinite(v) ? v.ToString("0.####e+00", inv) : Special(v);
        }

        if (allIntegers)
        {
            return v => double.IsFinite(v) ? v.ToString("0", inv) + "." : Special(v);
        }

        // Up to 4 decimals (NumPy shows 8; 4 keeps printed tensors readable).
        int decimals = 0;
        foreach (double v in values)
        {
            if (double.IsFinite(v))
            {
                string s = Math.Round(v, 4).ToString("0.####", inv);
                int dot = s.IndexOf('.');
                decimals = Math.Max(decimals, dot < 0 ? 0 : s.Length - dot - 1);
            }
        }

        // Like NumPy, values are padded on the right with spaces so the decimal points line up: [1.5  2.   3.25].
        return v =>
        {
            if (!double.IsFinite(v))
            {
                return Special(v);
            }

            string s = Math.Round(v, 4).ToString("0.####", inv);
            int dot = s.IndexOf('.');
            if (dot < 0)
            {
                s += ".";
                dot = s.Length - 1;
            }

            return s + new string(' ', decimals - (s.Length - dot - 1));
        };
    }
}
