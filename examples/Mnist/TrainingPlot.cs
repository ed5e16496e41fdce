using ScottPlot;

namespace AutoGrad.Examples.Mnist;

/// <summary>What one epoch of training produced.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean training loss over the epoch.</param>
/// <param name="TrainAccuracy">Accuracy on the training images seen, 0–1.</param>
/// <param name="TestAccuracy">Accuracy on the 10,000 test images after the epoch, 0–1.</param>
/// <param name="Seconds">Wall time of the epoch, evaluation included.</param>
public sealed record EpochRecord(int Epoch, double Loss, double TrainAccuracy, double TestAccuracy, double Seconds);

/// <summary>Draws the loss and accuracy curves of a run into a PNG.</summary>
public static class TrainingPlot
{
    /// <summary>
    /// Writes a <paramref name="width"/> × <paramref name="height"/> PNG: training loss on the left axis,
    /// training and test accuracy (%) on the right axis, epochs along the bottom.
    /// </summary>
    /// <param name="path">The PNG file to write (its folder must exist).</param>
    /// <param name="title">The plot's title, e.g. the model name.</param>
    /// <param name="history">One record per epoch, in order; at least one.</param>
    /// <param name="xLabel">What the horizontal axis counts (epochs, or iterations for a full-batch run).</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <exception cref="ArgumentException"><paramref name="history"/> is empty.</exception>
    public static void Save(string path, string title, IReadOnlyList<EpochRecord> history, string xLabel = "epoch", int width = 900, int height = 540)
    {
        if (history.Count == 0)
        {
            throw new ArgumentException("TrainingPlot.Save: the history is empty; nothing to plot.", nameof(history));
        }
        double[] epochs = history.Select(r => (double)r.Epoch).ToArray();

        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.Axes.Left.Label.Text = "training loss";
        plot.Axes.Right.Label.Text = "accuracy (%)";

        var loss = plot.Add.Scatter(epochs, history.Select(r => r.Loss).ToArray());
        loss.LegendText = "training loss";
        loss.LineWidth = 2;
        loss.MarkerSize = 6;

        var train = plot.Add.Scatter(epochs, history.Select(r => 100 * r.TrainAccuracy).ToArray());
        train.LegendText = "train accuracy";
        train.Axes.YAxis = plot.Axes.Right;
        train.LineWidth = 2;
        train.MarkerSize = 6;

        var test = plot.Add.Scatter(epochs, history.Select(r => 100 * r.TestAccuracy).ToArray());
        test.LegendText = "test accuracy";
        test.Axes.YAxis = plot.Axes.Right;
        test.LineWidth = 2;
        test.MarkerSize = 6;
        test.LinePattern = LinePattern.Dashed;

        // Loss from zero and accuracy up to 100% keep the picture honest; epochs are whole numbers.
        double lastEpoch = epochs[^1];
        double margin = Math.Max(0.5, lastEpoch / 40);
        plot.Axes.SetLimitsX(Math.Min(0, epochs[0] - margin), lastEpoch + margin);
        plot.Axes.SetLimitsY(0, 1.1 * history.Max(r => r.Loss), plot.Axes.Left);
        double lowest = 100 * history.Min(r => Math.Min(r.TrainAccuracy, r.TestAccuracy));
        plot.Axes.SetLimitsY(Math.Max(0, Math.Floor(lowest) - 1), 100, plot.Axes.Right);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Alignment.MiddleRight);
        plot.SavePng(path, width, height);
    }
}
