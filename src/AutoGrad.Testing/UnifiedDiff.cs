using System.Globalization;
using System.Text.RegularExpressions;
using DiffPlex;
using DiffPlex.Renderer;

namespace AutoGrad.Testing;

/// <summary>A line-based unified diff, as <c>diff -u</c> prints it (DiffPlex's Myers diff and unidiff renderer).</summary>
public static partial class UnifiedDiff
{
    /// <summary>The diff from <paramref name="expected"/> to <paramref name="actual"/>; empty when they are equal.</summary>
    /// <param name="expected">The old text.</param>
    /// <param name="actual">The new text.</param>
    /// <param name="expectedName">The name shown on the <c>---</c> line.</param>
    /// <param name="actualName">The name shown on the <c>+++</c> line.</param>
    /// <param name="context">Unchanged lines shown around each change.</param>
    /// <returns>
    /// <c>--- expectedName</c>, <c>+++ actualName</c>, then hunks headed <c>@@ -start,count +start,count @@</c> with
    /// <c>' '</c>, <c>'-'</c> and <c>'+'</c> lines; lines end in <c>\n</c> whatever the inputs' line endings.
    /// </returns>
    public static string Create(string expected, string actual, string expectedName = "verified", string actualName = "received", int context = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(context);
        string a = Normalize(expected), b = Normalize(actual);
        if (a == b)
        {
            return string.Empty;
        }

        string diff = new UnidiffRenderer(Differ.Instance, context).Generate(a, b, expectedName, actualName, ignoreWhitespace: false, ignoreCase: false);
        diff = diff.ReplaceLineEndings("\n");

        // diff -u numbers an empty range by the line before it ("-0,0" for an empty old text); DiffPlex by the line after.
        diff = EmptyRange().Replace(diff, m => $"{m.Groups[1].Value}{int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) - 1},0 ");
        return diff.EndsWith('\n') ? diff : diff + "\n";
    }

    /// <summary>
    /// LF line endings, and no final line ending: DiffPlex would otherwise see an empty last line, and the texts are
    /// compared line by line, so a trailing newline carries no information of its own.
    /// </summary>
    private static string Normalize(string text)
    {
        string normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        return normalized.EndsWith('\n') ? normalized[..^1] : normalized;
    }

    [GeneratedRegex(@"(?<=^@@ .*)([-+])(\d+),0 ", RegexOptions.Multiline)]
    private static partial Regex EmptyRange();
}
