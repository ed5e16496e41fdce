using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AutoGrad.NN.Training;

/// <summary>Prints training progress: a bar redrawn with carriage returns, or one line per epoch.</summary>
internal sealed class ProgressReporter
{
    private const int BarWidth = 24;
    private static readonly long RedrawTicks = Stopwatch.Frequency / 10;

    private readonly TextWriter output;
    private readonly Verbosity mode;
    private readonly int epochs;
    private readonly Stopwatch epochClock = new();
    private long lastDraw = long.MinValue;
    private int lastLength;

    public ProgressReporter(TextWriter output, Verbosity verbosity, int epochs)
    {
        this.output = output;
        this.epochs = epochs;
        mode = verbosity != Verbosity.Auto ? verbosity
            : ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected ? Verbosity.ProgressBar : Verbosity.EpochLine;
    }

    public Verbosity Mode => mode;

    public void EpochBegin()
    {
        epochClock.Restart();
        lastDraw = long.MinValue;
    }

    public void BatchEnd(int epoch, int batch, int batches, IReadOnlyDictionary<string, double> logs)
    {
        if (mode != Verbosity.ProgressBar)
        {
            return;
        }

        long now = epochClock.ElapsedTicks;
        if (batch < batches && now - lastDraw < RedrawTicks)
        {
            return;
        }

        lastDraw = now;
        double perBatch = epochClock.Elapsed.TotalSeconds / batch;
        string line = $"Epoch {epoch}/{epochs} {Bar(batch, batches)} {batch}/{batches} - ETA: {FormatDuration(perBatch * (batches - batch))}{FormatLogs(logs)}";
        Draw(line);
    }

    public void EpochEnd(int epoch, int batches, IReadOnlyDictionary<string, double> logs)
    {
        if (mode == Verbosity.Silent)
        {
            return;
        }

        string line = $"Epoch {epoch}/{epochs} - {batches}/{batches} - {FormatDuration(epochClock.Elapsed.TotalSeconds)}{FormatLogs(logs)}";
        if (mode == Verbosity.ProgressBar)
        {
            line = $"Epoch {epoch}/{epochs} {Bar(batches, batches)} {batches}/{batches} - {FormatDuration(epochClock.Elapsed.TotalSeconds)}{FormatLogs(logs)}";
            Draw(line);
            output.WriteLine();
            lastLength = 0;
        }
        else
        {
            output.WriteLine(line);
        }

        output.Flush();
    }

    internal static string FormatLogs(IReadOnlyDictionary<string, double> logs)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in logs)
        {
            sb.Append(" - ").Append(key).Append(": ").Append(value.ToString("0.0000", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    private static string Bar(int done, int total)
    {
        int filled = total == 0 ? BarWidth : (int)((long)done * BarWidth / total);
        var sb = new StringBuilder(BarWidth + 2).Append('[');
        sb.Append('=', Math.Max(0, filled - 1));
        if (filled > 0)
        {
            sb.Append(done >= total ? '=' : '>');
        }

        return sb.Append('.', BarWidth - filled).Append(']').ToString();
    }

    private static string FormatDuration(double seconds) => seconds switch
    {
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1000:0}ms"),
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)(seconds / 60)}m{(int)(seconds % 60):00}s"),
    };

    private void Draw(string line)
    {
        // Pad over the previous line's tail so a shorter line leaves no residue.
        output.Write('\r');
        output.Write(line.PadRight(lastLength));
        lastLength = line.Length;
        output.Flush();
    }
}
