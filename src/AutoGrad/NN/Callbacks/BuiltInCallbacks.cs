using System.Globalization;
using AutoGrad.NN.Schedules;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Callbacks;

/// <summary>Whether smaller or larger values of a monitored quantity are better.</summary>
public enum MonitorMode
{
    /// <summary>Larger for names containing accuracy, precision or recall; smaller otherwise.</summary>
    Auto,

    /// <summary>Smaller is better.</summary>
    Min,

    /// <summary>Larger is better.</summary>
    Max,
}

/// <summary>Shared handling of a monitored log value.</summary>
internal static class Monitor
{
    public static bool LargerIsBetter(string monitor, MonitorMode mode) => mode switch
    {
        MonitorMode.Max => true,
        MonitorMode.Min => false,
        _ => monitor.Contains("acc", StringComparison.Ordinal) || monitor.Contains("precision", StringComparison.Ordinal)
            || monitor.Contains("recall", StringComparison.Ordinal),
    };

    public static double Read(string callback, string monitor, IReadOnlyDictionary<string, double> logs) =>
        logs.TryGetValue(monitor, out double value)
            ? value
            : throw new InvalidOperationException(
                $"{callback}: monitors '{monitor}', which is not in the epoch logs ({string.Join(", ", logs.Keys)}). " +
                "Validation values (val_*) exist only with validationSplit or validationData.");
}

/// <summary>
/// Stops training when a monitored value has not improved by more than <c>minDelta</c> for <c>patience</c>
/// epochs in a row (as Keras counts: with patience 2, the second epoch without improvement is the last); optionally
/// restores the weights of the best epoch.
/// </summary>
public sealed class EarlyStopping(string monitor = "val_loss", int patience = 0, double minDelta = 0, MonitorMode mode = MonitorMode.Auto,
    bool restoreBestWeights = false) : Callback
{
    private readonly bool larger = Monitor.LargerIsBetter(monitor, mode);
    private double best;
    private int wait;
    private Dictionary<string, Tensor>? bestWeights;

    /// <summary>The epoch after which training stopped, or 0 when it ran to the end.</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>The epoch with the best monitored value.</summary>
    public int BestEpoch { get; private set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(TrainingContext context)
    {
        best = larger ? double.NegativeInfinity : double.PositiveInfinity;
        wait = 0;
        StoppedEpoch = 0;
        BestEpoch = 0;
        bestWeights = null;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(TrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs)
    {
        double value = Monitor.Read(nameof(EarlyStopping), monitor, logs);
        bool improved = larger ? value > best + minDelta : value < best - minDelta;
        if (improved)
        {
            best = value;
            BestEpoch = epoch;
            wait = 0;
            if (restoreBestWeights)
            {
                bestWeights = context.Model.StateDict().ToDictionary(p => p.Key, p => p.Value.Clone(), StringComparer.Ordinal);
            }

            return;
        }

        if (++wait >= patience)
        {
            StoppedEpoch = epoch;
            context.StopTraining = true;
        }
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(TrainingContext context)
    {
        if (restoreBestWeights && bestWeights is not null && StoppedEpoch > 0)
        {
            context.Model.LoadStateDict(bestWeights);
        }
    }
}

/// <summary>
/// Saves the model (and optimizer state) after each epoch, or only when the monitored value improves. The path may
/// contain <c>{epoch}</c>, replaced by the epoch number. Files are written atomically.
/// </summary>
public sealed class ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = false, MonitorMode mode = MonitorMode.Auto,
    bool saveOptimizer = true) : Callback
{
    private readonly bool larger = Monitor.LargerIsBetter(monitor, mode);
    private double best;

    /// <summary>The paths written, in order.</summary>
    public List<string> SavedPaths { get; } = [];

    /// <inheritdoc/>
    public override void OnTrainBegin(TrainingContext context) => best = larger ? double.NegativeInfinity : double.PositiveInfinity;

    /// <inheritdoc/>
    public override void OnEpochEnd(TrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (saveBestOnly)
        {
            double value = Monitor.Read(nameof(ModelCheckpoint), monitor, logs);
            if (!(larger ? value > best : value < best))
            {
                return;
            }

            best = value;
        }

        string target = path.Replace("{epoch}", epoch.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        context.Model.Save(target, saveOptimizer ? context.Optimizer : null);
        SavedPaths.Add(target);
    }
}

/// <summary>Sets the optimizer's learning rate at the start of each epoch from a schedule over epochs (0-based) or a function of (epoch, current rate).</summary>
public sealed class LearningRateScheduler : Callback
{
    private readonly Func<int, double, double> schedule;

    /// <summary>Epoch e (1-based in logs) gets <c>schedule.At(e − 1)</c>.</summary>
    public LearningRateScheduler(LearningRateSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        this.schedule = (epoch, _) => schedule.At(epoch);
    }

    /// <summary>Epoch e gets <c>function(e − 1, currentRate)</c>.</summary>
    public LearningRateScheduler(Func<int, double, double> function) => schedule = function ?? throw new ArgumentNullException(nameof(function));

    /// <inheritdoc/>
    public override void OnEpochBegin(TrainingContext context, int epoch) =>
        context.Optimizer.LearningRate = schedule(epoch - 1, context.Optimizer.LearningRate);
}
