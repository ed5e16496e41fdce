using AutoGrad.Tensors;

namespace AutoGrad.NN.Losses;

/// <summary>Mean squared error: (ŷ − y)².</summary>
public sealed class MeanSquaredError(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override string Name => "mse";

    /// <inheritdoc/>
    protected override Tensor Unreduced(Tensor prediction, Tensor target)
    {
        RequireSameShape(prediction, target);
        return (prediction - target).Square();
    }
}

/// <summary>Mean absolute error: |ŷ − y|.</summary>
public sealed class MeanAbsoluteError(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override string Name => "mae";

    /// <inheritdoc/>
    protected override Tensor Unreduced(Tensor prediction, Tensor target)
    {
        RequireSameShape(prediction, target);
        return (prediction - target).Abs();
    }
}

/// <summary>
/// Huber loss: ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond, with d = ŷ − y. Written as ½q² + δ(|d| − q) with
/// q = min(|d|, δ), which is smooth at |d| = δ.
/// </summary>
public sealed class Huber(double delta = 1.0, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>δ, where the loss turns from quadratic to linear.</summary>
    public double Delta { get; } = delta > 0 ? delta : throw new ArgumentOutOfRangeException(nameof(delta), delta, "Huber: delta must be positive.");

    /// <inheritdoc/>
    public override string Name => "huber";

    /// <inheritdoc/>
    protected override Tensor Unreduced(Tensor prediction, Tensor target)
    {
        RequireSameShape(prediction, target);
        Tensor absolute = (prediction - target).Abs();
        Tensor quadratic = absolute.Clamp(null, Delta);
        return (quadratic.Square() * 0.5) + ((absolute - quadratic) * Delta);
    }
}
