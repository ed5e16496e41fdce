namespace AutoGrad.NN.Schedules;

/// <summary>
/// A learning rate as a function of a step (or epoch) count starting at 0. Set <c>Optimizer.Schedule</c> to apply
/// it per optimizer step, or use the <c>LearningRateScheduler</c> callback to apply it per epoch.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate at step <paramref name="step"/> (0-based).</summary>
    public abstract double At(long step);

    /// <summary>A schedule from a function.</summary>
    public static LearningRateSchedule FromFunction(Func<long, double> function) => new FunctionSchedule(function);

    private sealed class FunctionSchedule(Func<long, double> function) : LearningRateSchedule
    {
        public override double At(long step) => function(step);
    }
}

/// <summary>Step decay: η₀·γ^⌊step / stepSize⌋.</summary>
public sealed class StepDecay(double initialLearningRate, int stepSize, double gamma = 0.1) : LearningRateSchedule
{
    private readonly int stepSize = stepSize > 0 ? stepSize : throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "StepDecay: stepSize must be positive.");

    /// <inheritdoc/>
    public override double At(long step) => initialLearningRate * Math.Pow(gamma, step / stepSize);
}

/// <summary>Exponential decay: η₀·γ^(step / decaySteps) (continuous unless <c>staircase</c>).</summary>
public sealed class ExponentialDecay(double initialLearningRate, double gamma, int decaySteps = 1, bool staircase = false) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override double At(long step)
    {
        double exponent = (double)step / decaySteps;
        return initialLearningRate * Math.Pow(gamma, staircase ? Math.Floor(exponent) : exponent);
    }
}

/// <summary>Cosine annealing: η_min + ½(η₀ − η_min)(1 + cos(π·min(step, T)/T)), constant at η_min after T steps.</summary>
public sealed class CosineDecay(double initialLearningRate, int totalSteps, double minimumLearningRate = 0) : LearningRateSchedule
{
    private readonly int totalSteps = totalSteps > 0 ? totalSteps : throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "CosineDecay: totalSteps must be positive.");

    /// <inheritdoc/>
    public override double At(long step)
    {
        double progress = Math.Min(step, totalSteps) / (double)totalSteps;
        return minimumLearningRate + (0.5 * (initialLearningRate - minimumLearningRate) * (1 + Math.Cos(Math.PI * progress)));
    }
}

/// <summary>
/// Linear warm-up, then another schedule: for step &lt; W the rate is after.At(0)·(step + 1)/W; from W on it is
/// after.At(step − W).
/// </summary>
public sealed class WarmUp(LearningRateSchedule after, int warmupSteps) : LearningRateSchedule
{
    private readonly int warmupSteps = warmupSteps > 0 ? warmupSteps : throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "WarmUp: warmupSteps must be positive.");

    /// <summary>Warm up to a constant rate.</summary>
    public WarmUp(double learningRate, int warmupSteps)
        : this(FromFunction(_ => learningRate), warmupSteps)
    {
    }

    /// <inheritdoc/>
    public override double At(long step) =>
        step < warmupSteps ? after.At(0) * (step + 1) / warmupSteps : after.At(step - warmupSteps);
}
