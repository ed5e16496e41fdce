using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;

namespace AutoGrad.NN.Callbacks;

/// <summary>What a callback sees of a running <c>Fit</c>.</summary>
public sealed class TrainingContext
{
    internal TrainingContext(Model model, Optimizer optimizer, int epochs, History history)
    {
        Model = model;
        Optimizer = optimizer;
        Epochs = epochs;
        History = history;
    }

    /// <summary>The model being trained.</summary>
    public Model Model { get; }

    /// <summary>Its optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The number of epochs requested.</summary>
    public int Epochs { get; }

    /// <summary>The history so far.</summary>
    public History History { get; }

    /// <summary>Set to true to end training after the current epoch.</summary>
    public bool StopTraining { get; set; }
}

/// <summary>
/// Hooks into <c>Fit</c>. Override what you need; epochs are numbered from 1. <c>logs</c> hold the epoch's
/// <c>loss</c>, metrics and <c>val_</c> values.
/// </summary>
public abstract class Callback
{
    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin(TrainingContext context)
    {
    }

    /// <summary>Before each epoch.</summary>
    public virtual void OnEpochBegin(TrainingContext context, int epoch)
    {
    }

    /// <summary>After each optimizer step, with the batch's loss.</summary>
    public virtual void OnBatchEnd(TrainingContext context, int batch, double loss)
    {
    }

    /// <summary>After each epoch (and its validation).</summary>
    public virtual void OnEpochEnd(TrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs)
    {
    }

    /// <summary>After the last epoch (also when stopped early).</summary>
    public virtual void OnTrainEnd(TrainingContext context)
    {
    }
}

/// <summary>A callback from delegates, for one-off hooks.</summary>
public sealed class LambdaCallback(
    Action<TrainingContext, int, IReadOnlyDictionary<string, double>>? onEpochEnd = null,
    Action<TrainingContext, int, double>? onBatchEnd = null,
    Action<TrainingContext, int>? onEpochBegin = null) : Callback
{
    /// <inheritdoc/>
    public override void OnEpochBegin(TrainingContext context, int epoch) => onEpochBegin?.Invoke(context, epoch);

    /// <inheritdoc/>
    public override void OnBatchEnd(TrainingContext context, int batch, double loss) => onBatchEnd?.Invoke(context, batch, loss);

    /// <inheritdoc/>
    public override void OnEpochEnd(TrainingContext context, int epoch, IReadOnlyDictionary<string, double> logs) => onEpochEnd?.Invoke(context, epoch, logs);
}
