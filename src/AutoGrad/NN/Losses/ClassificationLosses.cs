using AutoGrad.Tensors;

namespace AutoGrad.NN.Losses;

/// <summary>
/// Binary cross-entropy on probabilities: −(y·log p + (1 − y)·log(1 − p)), with p clamped to [ε, 1 − ε] so a
/// saturated sigmoid never gives log 0. Prefer <see cref="BinaryCrossEntropyWithLogits"/> on raw scores.
/// </summary>
public sealed class BinaryCrossEntropy(double epsilon = 1e-7, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>The clamp margin ε.</summary>
    public double Epsilon { get; } = epsilon;

    /// <inheritdoc/>
    public override string Name => "binary_cross_entropy";

    /// <inheritdoc/>
    protected override Tensor Unreduced(Tensor prediction, Tensor target)
    {
        RequireSameShape(prediction, target);
        Tensor p = prediction.Clamp(Epsilon, 1 - Epsilon);
        return -((target * p.Log()) + ((1.0 - target) * (1.0 - p).Log()));
    }
}

/// <summary>
/// Binary cross-entropy on logits x: softplus(x) − x·y, which equals −(y·log σ(x) + (1 − y)·log(1 − σ(x))). The
/// softplus op is stable for any x, and this form is smooth everywhere (the textbook max(x, 0) + log(1 + e^−|x|)
/// has kinks at 0 whose one-sided gradients would be wrong there).
/// </summary>
public sealed class BinaryCrossEntropyWithLogits(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override string Name => "bce_with_logits";

    /// <inheritdoc/>
    protected override Tensor Unreduced(Tensor prediction, Tensor target)
    {
        RequireSameShape(prediction, target);
        return prediction.Softplus() - (prediction * target);
    }
}

/// <summary>
/// Cross-entropy on logits <c>[N, C]</c>: −Σ_c t_c·log_softmax(x)_c per sample, using log-sum-exp for stability.
/// Targets are either integer class labels <c>[N]</c> or class probabilities / one-hot rows <c>[N, C]</c>. With
/// label smoothing ε the target becomes (1 − ε)·t + ε/C.
/// </summary>
public sealed class CrossEntropy(double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <summary>The label-smoothing ε in [0, 1].</summary>
    public double LabelSmoothing { get; } = labelSmoothing is >= 0 and <= 1
        ? labelSmoothing
        : throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "CrossEntropy: label smoothing must be in [0, 1].");

    /// <inheritdoc/>
    public override string Name => "cross_entropy";

    /// <inheritdoc/>
    protected override Tensor Unreduced(Tensor prediction, Tensor target)
    {
        Tensor probabilities = ClassTargets.ToProbabilities(Name, prediction, target);
        int classes = prediction.Shape[-1];
        if (LabelSmoothing > 0)
        {
            probabilities = (probabilities * (1 - LabelSmoothing)) + (LabelSmoothing / classes);
        }

        return -(probabilities * prediction.LogSoftmax(-1)).Sum(-1);
    }
}

/// <summary>Negative log-likelihood on log-probabilities <c>[N, C]</c> (e.g. a LogSoftmax output) with integer labels <c>[N]</c> or one-hot targets.</summary>
public sealed class NllLoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    /// <inheritdoc/>
    public override string Name => "nll";

    /// <inheritdoc/>
    protected override Tensor Unreduced(Tensor prediction, Tensor target) =>
        -(ClassTargets.ToProbabilities(Name, prediction, target) * prediction).Sum(-1);
}

/// <summary>Turns integer labels or probability rows into a <c>[N, C]</c> target matching the prediction.</summary>
internal static class ClassTargets
{
    public static Tensor ToProbabilities(string loss, Tensor prediction, Tensor target)
    {
        if (prediction.Rank != 2)
        {
            throw new ArgumentException($"{loss}: the prediction must be [N, C] scores, got shape {prediction.Shape}.");
        }

        if (target.Shape == prediction.Shape)
        {
            return target;
        }

        int classes = prediction.Shape[1];
        bool labels = (target.Rank == 1 && target.Shape[0] == prediction.Shape[0])
            || (target.Rank == 2 && target.Shape[1] == 1 && target.Shape[0] == prediction.Shape[0]);
        if (!labels)
        {
            throw new ArgumentException(
                $"{loss}: the target must be integer labels [{prediction.Shape[0]}] or class probabilities {prediction.Shape}, got shape {target.Shape}.");
        }

        // Checked here for a clear message in eager mode; in a trace the labels have no values yet, and one_hot's
        // kernel checks them when the graph runs.
        for (int i = 0; i < (target.IsAbstract ? 0 : target.Size); i++)
        {
            double label = target.GetFlat(i);
            if (label < 0 || label >= classes || label != Math.Floor(label))
            {
                throw new ArgumentOutOfRangeException(nameof(target),
                    $"{loss}: label {label} of sample {i} is not an integer class in [0, {classes}).");
            }
        }

        return target.Reshape(target.Shape[0]).OneHot(classes);
    }
}
