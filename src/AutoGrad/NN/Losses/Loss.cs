using AutoGrad.Tensors;

namespace AutoGrad.NN.Losses;

/// <summary>How per-element (or per-sample) losses are combined.</summary>
public enum Reduction
{
    /// <summary>The mean (the default).</summary>
    Mean,

    /// <summary>The sum.</summary>
    Sum,

    /// <summary>No reduction: the unreduced loss tensor.</summary>
    None,
}

/// <summary>
/// A loss written with tensor ops (so its gradient is derived, never hand-written). Targets are data: they are
/// converted to the prediction's dtype and never receive gradients.
/// </summary>
public abstract class Loss
{
    /// <summary>Creates the loss with a reduction.</summary>
    protected Loss(Reduction reduction) => Reduction = reduction;

    /// <summary>How the unreduced losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>The name used in logs (<c>mse</c>, <c>binary_cross_entropy</c>, …).</summary>
    public abstract string Name { get; }

    /// <summary>The loss of a prediction against a target, reduced per <see cref="Reduction"/>.</summary>
    /// <exception cref="ArgumentException">The shapes do not fit; the message names the loss and both shapes.</exception>
    public Tensor Compute(Tensor prediction, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        Tensor unreduced = Unreduced(prediction, target.DType == prediction.DType ? target : target.To(prediction.DType));
        return Reduction switch
        {
            Reduction.Mean => unreduced.Mean(),
            Reduction.Sum => unreduced.Sum(),
            _ => unreduced,
        };
    }

    /// <summary>The loss per element or per sample, before reduction.</summary>
    protected abstract Tensor Unreduced(Tensor prediction, Tensor target);

    /// <summary>Throws unless prediction and target have the same shape.</summary>
    protected void RequireSameShape(Tensor prediction, Tensor target)
    {
        if (prediction.Shape != target.Shape)
        {
            throw new ArgumentException(
                $"{Name}: the prediction has shape {prediction.Shape} but the target has shape {target.Shape}; they must be equal " +
                "(reshape the target, e.g. to [N, 1] for a single output unit).");
        }
    }

    /// <summary>Looks a loss up by name (<c>mse</c>, <c>mae</c>, <c>huber</c>, <c>binary_cross_entropy</c>/<c>bce</c>,
    /// <c>bce_with_logits</c>, <c>cross_entropy</c>, <c>nll</c>).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static Loss FromName(string name) => name.ToLowerInvariant() switch
    {
        "mse" or "mean_squared_error" => new MeanSquaredError(),
        "mae" or "mean_absolute_error" => new MeanAbsoluteError(),
        "huber" => new Huber(),
        "bce" or "binary_cross_entropy" or "binary_crossentropy" => new BinaryCrossEntropy(),
        "bce_with_logits" or "binary_cross_entropy_with_logits" => new BinaryCrossEntropyWithLogits(),
        "cross_entropy" or "categorical_crossentropy" or "sparse_categorical_crossentropy" => new CrossEntropy(),
        "nll" => new NllLoss(),
        _ => throw new ArgumentException(
            $"Unknown loss '{name}'. Known: mse, mae, huber, binary_cross_entropy, bce_with_logits, cross_entropy, nll.", nameof(name)),
    };

    /// <summary>A loss by name.</summary>
    public static implicit operator Loss(string name) => FromName(name);
}
