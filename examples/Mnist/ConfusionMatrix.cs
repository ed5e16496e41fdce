using System.Globalization;
using System.Text;

namespace AutoGrad.Examples.Mnist;

/// <summary>
/// Counts of (true class, predicted class) pairs: row = the true digit, column = what the model said.
/// The diagonal holds the correct answers.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly int[,] counts;

    /// <summary>Counts the pairs <c>(actual[i], predicted[i])</c>.</summary>
    /// <param name="actual">The true classes, each in [0, <paramref name="classes"/>).</param>
    /// <param name="predicted">The predicted classes, as many as <paramref name="actual"/>, each in [0, <paramref name="classes"/>).</param>
    /// <param name="classes">The number of classes (10 for digits).</param>
    /// <exception cref="ArgumentException">The lists differ in length or hold a class outside the range.</exception>
    public ConfusionMatrix(IReadOnlyList<int> actual, IReadOnlyList<int> predicted, int classes = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (actual.Count != predicted.Count)
        {
            throw new ArgumentException($"ConfusionMatrix: {actual.Count} true classes but {predicted.Count} predictions.", nameof(predicted));
        }
        counts = new int[classes, classes];
        for (int i = 0; i < actual.Count; i++)
        {
            int a = actual[i];
            int p = predicted[i];
            if ((uint)a >= (uint)classes || (uint)p >= (uint)classes)
            {
                throw new ArgumentException($"ConfusionMatrix: pair {i} is (true {a}, predicted {p}), outside the classes 0..{classes - 1}.");
            }
            counts[a, p]++;
        }
        Classes = classes;
        Total = actual.Count;
    }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>The number of pairs counted.</summary>
    public int Total { get; }

    /// <summary>How often class <paramref name="actual"/> was predicted as <paramref name="predicted"/>.</summary>
    /// <param name="actual">The true class (row).</param>
    /// <param name="predicted">The predicted class (column).</param>
    public int this[int actual, int predicted] => counts[actual, predicted];

    /// <summary>The number of correct predictions (the diagonal's sum).</summary>
    public int Correct => Enumerable.Range(0, Classes).Sum(c => counts[c, c]);

    /// <summary>The fraction of correct predictions; 0 when nothing was counted.</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>The fraction of class <paramref name="actual"/> predicted correctly (its recall); 0 for an absent class.</summary>
    /// <param name="actual">The true class.</param>
    public double Recall(int actual)
    {
        int row = Enumerable.Range(0, Classes).Sum(p => counts[actual, p]);
        return row == 0 ? 0 : (double)counts[actual, actual] / row;
    }

    /// <summary>
    /// The matrix as an aligned text table: one row per true class, one column per prediction, then the row's
    /// recall; a header row and a closing line with the overall accuracy.
    /// </summary>
    /// <returns>Lines separated by <c>\n</c>.</returns>
    public override string ToString()
    {
        int width = Math.Max(3, counts.Cast<int>().Max().ToString(CultureInfo.InvariantCulture).Length);
        var text = new StringBuilder();
        text.Append("true\\pred");
        for (int p = 0; p < Classes; p++)
        {
            text.Append(' ').Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(width));
        }
        text.Append("  recall\n");
        for (int a = 0; a < Classes; a++)
        {
            text.Append(a.ToString(CultureInfo.InvariantCulture).PadLeft(9));
            for (int p = 0; p < Classes; p++)
            {
                text.Append(' ').Append(counts[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(width));
            }
            text.Append("  ").Append(((100 * Recall(a)).ToString("F1", CultureInfo.InvariantCulture) + "%").PadLeft(6)).Append('\n');
        }
        text.Append(CultureInfo.InvariantCulture, $"accuracy {Correct}/{Total} = {100 * Accuracy:F2}%\n");
        return text.ToString();
    }
}
