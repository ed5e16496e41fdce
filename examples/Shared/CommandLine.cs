using System.Globalization;

namespace AutoGrad.Examples;

/// <summary>
/// The small command-line reader the examples share (linked into each example project): splits <c>--name value</c>
/// and <c>--name=value</c> options, and parses values with messages that name the option.
/// </summary>
internal static class CommandLine
{
    /// <summary>
    /// The options in order, each with its value: null for the flags in <paramref name="flags"/> and for an option
    /// given without one (the value parsers below then say that it needs one; an unknown option stays reportable).
    /// </summary>
    public static List<(string Option, string? Value)> Split(IReadOnlyList<string> args, params string[] flags)
    {
        var options = new List<(string, string?)>();
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            int equals = option.IndexOf('=', StringComparison.Ordinal);
            if (option.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                options.Add((option[..equals], option[(equals + 1)..]));
            }
            else if (flags.Contains(option, StringComparer.Ordinal) || !option.StartsWith('-'))
            {
                options.Add((option, null));
            }
            else if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                options.Add((option, null));
            }
            else
            {
                options.Add((option, args[++i]));
            }
        }

        return options;
    }

    /// <summary>A positive whole number.</summary>
    public static int PositiveInt(string option, string? value) =>
        int.TryParse(Required(option, value), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new FormatException($"Option {option} needs a positive whole number, not '{value}'.");

    /// <summary>Any whole number.</summary>
    public static long Long(string option, string? value) =>
        long.TryParse(Required(option, value), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n)
            ? n
            : throw new FormatException($"Option {option} needs a whole number, not '{value}'.");

    /// <summary>A positive finite number.</summary>
    public static double PositiveDouble(string option, string? value) =>
        double.TryParse(Required(option, value), NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x > 0 && double.IsFinite(x)
            ? x
            : throw new FormatException($"Option {option} needs a positive number, not '{value}'.");

    /// <summary>A non-empty string.</summary>
    public static string NonEmpty(string option, string? value) =>
        Required(option, value) is { Length: > 0 } text ? text : throw new FormatException($"Option {option} needs a non-empty value.");

    private static string Required(string option, string? value) =>
        value ?? throw new FormatException($"Option {option} needs a value.");
}
