using System.Globalization;
using System.Text;

namespace AutoGrad.Testing;

/// <summary>A line-based unified diff (longest common subsequence), as <c>diff -u</c> prints it.</summary>
public static class UnifiedDiff
{
    /// <summary>The diff from <paramref name="expected"/> to <paramref name="actual"/>; empty when they are equal.</summary>
    /// <param name="expected">The old text.</param>
    /// <param name="actual">The new text.</param>
    /// <param name="expectedName">The name shown on the <c>---</c> line.</param>
    /// <param name="actualName">The name shown on the <c>+++</c> line.</param>
    /// <param name="context">Unchanged lines shown around each change.</param>
    public static string Create(string expected, string actual, string expectedName = "verified", string actualName = "received", int context = 3)
    {
        string[] a = SplitLines(expected), b = SplitLines(actual);
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
        {
            for (int j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        // Edit script: ' ' keep, '-' delete from a, '+' insert from b; with the line index in a and b before the edit.
        var edits = new List<(char Kind, string Line, int A, int B)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                edits.Add((' ', a[x], x++, y++));
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                // Deletions before insertions, as diff -u prints a changed line.
                edits.Add(('-', a[x], x++, y));
            }
            else
            {
                edits.Add(('+', b[y], x, y++));
            }
        }

        if (edits.All(e => e.Kind == ' '))
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        text.Append("--- ").Append(expectedName).Append('\n').Append("+++ ").Append(actualName).Append('\n');
        int k = 0;
        while (k < edits.Count)
        {
            int change = edits.FindIndex(k, e => e.Kind != ' ');
            if (change < 0)
            {
                break;
            }

            int start = Math.Max(k, change - context);
            int end = change;
            // Extend the hunk while the next change is within 2·context unchanged lines.
            while (true)
            {
                while (end < edits.Count && edits[end].Kind != ' ')
                {
                    end++;
                }

                int next = edits.FindIndex(end, e => e.Kind != ' ');
                if (next >= 0 && next - end <= 2 * context)
                {
                    end = next;
                    continue;
                }

                end = Math.Min(edits.Count, end + context);
                break;
            }

            var hunk = edits.GetRange(start, end - start);
            int aStart = hunk[0].A, bStart = hunk[0].B;
            int aCount = hunk.Count(e => e.Kind != '+'), bCount = hunk.Count(e => e.Kind != '-');
            text.Append(CultureInfo.InvariantCulture, $"@@ -{(aCount == 0 ? aStart : aStart + 1)},{aCount} +{(bCount == 0 ? bStart : bStart + 1)},{bCount} @@\n");
            foreach (var e in hunk)
            {
                text.Append(e.Kind).Append(e.Line).Append('\n');
            }

            k = end;
        }

        return text.ToString();
    }

    private static string[] SplitLines(string text)
    {
        string normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (normalized.EndsWith('\n'))
        {
            normalized = normalized[..^1];
        }

        return normalized.Length == 0 ? [] : normalized.Split('\n');
    }
}
