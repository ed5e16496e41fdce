using System.Runtime.CompilerServices;
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
/// A loss written with tensor ops (so its gradient is derived, never hand-written). A target of another dtype is
/// converted to the prediction's, which cuts it from the tape; a target of the same dtype that requires grad is used as
/// it is and receives gradients like any other input.
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
        // A float target is brought to the prediction's precision; integer class labels stay integers (the class losses
        // require Int64/Int32 labels, and elsewhere type promotion turns an integer target into floats).
        bool convert = target.DType.IsFloatingPoint() && target.DType != prediction.DType;
        var (unreduced, denominator) = UnreducedWithDenominator(prediction, convert ? target.To(prediction.DType) : target);
        return Reduction switch
        {
            Reduction.Mean => denominator is null ? unreduced.Mean() : unreduced.Sum() / denominator,
            Reduction.Sum => unreduced.Sum(),
            _ => unreduced,
        };
    }

    /// <summary>The loss per element or per sample, before reduction.</summary>
    protected abstract Tensor Unreduced(Tensor prediction, Tensor target);

    /// <summary>
    /// The unreduced loss and, for a weighted mean (PyTorch's class weights, ignored targets), the scalar the
    /// <see cref="Reduction.Mean"/> divides the sum by; null means the plain mean.
    /// </summary>
    [InvokesUserCode]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private protected virtual (Tensor Loss, Tensor? Denominator) UnreducedWithDenominator(Tensor prediction, Tensor target) =>
        (Unreduced(prediction, target), null);

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

    /// <summary>
    /// Looks a loss up by name, with the Keras meaning of the Keras names: every cross-entropy name takes
    /// probabilities unless <paramref name="fromLogits"/> is true.
    /// </summary>
    /// <remarks>
    /// <list type="table">
    /// <listheader><term>names</term><description>loss</description></listheader>
    /// <item><term><c>mse</c>, <c>mean_squared_error</c>; <c>mae</c>, <c>mean_absolute_error</c>; <c>huber</c></term><description>the regression losses</description></item>
    /// <item><term><c>binary_crossentropy</c>, <c>binary_cross_entropy</c>, <c>bce</c></term><description><see cref="BinaryCrossEntropy"/> on probabilities; <see cref="BinaryCrossEntropyWithLogits"/> with <c>fromLogits: true</c></description></item>
    /// <item><term><c>bce_with_logits</c>, <c>binary_cross_entropy_with_logits</c></term><description><see cref="BinaryCrossEntropyWithLogits"/></description></item>
    /// <item><term><c>categorical_crossentropy</c>, <c>sparse_categorical_crossentropy</c>, <c>cross_entropy</c></term><description><see cref="CrossEntropy"/> on probabilities (one-hot or label targets); on logits with <c>fromLogits: true</c></description></item>
    /// <item><term><c>nll</c></term><description><see cref="NllLoss"/> on log-probabilities</description></item>
    /// </list>
    /// </remarks>
    /// <param name="name">The loss name (case-insensitive).</param>
    /// <param name="fromLogits">For the cross-entropies: whether predictions are logits (raw scores) rather than
    /// probabilities; null means the name's own meaning (probabilities, except for the <c>_with_logits</c> names).</param>
    /// <exception cref="ArgumentException">Unknown name, or <paramref name="fromLogits"/> given for a loss it does not apply to or contradicting the name.</exception>
    public static Loss FromName(string name, bool? fromLogits = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.ToLowerInvariant();
        switch (key)
        {
            case "bce" or "binary_cross_entropy" or "binary_crossentropy":
                return fromLogits == true ? new BinaryCrossEntropyWithLogits() : new BinaryCrossEntropy();
            case "bce_with_logits" or "binary_cross_entropy_with_logits":
                return fromLogits != false
                    ? new BinaryCrossEntropyWithLogits()
                    : throw new ArgumentException($"Loss '{name}' takes logits by its name; fromLogits: false contradicts it (use \"binary_crossentropy\" for probabilities).", nameof(fromLogits));
            case "cross_entropy" or "categorical_crossentropy" or "sparse_categorical_crossentropy":
                return new CrossEntropy(fromLogits: fromLogits ?? false);
        }

        Loss loss = key switch
        {
            "mse" or "mean_squared_error" => new MeanSquaredError(),
            "mae" or "mean_absolute_error" => new MeanAbsoluteError(),
            "huber" => new Huber(),
            "nll" => new NllLoss(),
            _ => throw new ArgumentException(
                $"Unknown loss '{name}'. Known: mse, mae, huber, binary_crossentropy (bce), bce_with_logits, categorical_crossentropy, " +
                "sparse_categorical_crossentropy, cross_entropy, nll.", nameof(name)),
        };
        return fromLogits is null
            ? loss
            : throw new ArgumentException($"Loss '{name}': fromLogits applies only to the cross-entropy losses.", nameof(fromLogits));
    }

    /// <summary>
    /// A warning when <paramref name="prediction"/> looks like the other kind of input than this loss expects
    /// (probabilities into a logits loss or the other way round), or null. <c>Model.Fit</c> prints it once.
    /// </summary>
    internal virtual string? CheckPrediction(Tensor prediction) => null;

    /// <summary>The name of the op that produced <paramref name="prediction"/> when it outputs probabilities (<see cref="Ops.Op.OutputsProbabilities"/>: softmax, sigmoid), or null.</summary>
    internal static string? ProbabilityOp(Tensor prediction) =>
        prediction.GradFn?.Op is { OutputsProbabilities: true } op ? op.Name : null;

    /// <summary>The first value of <paramref name="prediction"/> outside [<paramref name="low"/>, <paramref name="high"/>], or null.</summary>
    internal static double? FirstOutside(Tensor prediction, double low, double high)
    {
        for (int i = 0; i < prediction.Size; i++)
        {
            double v = prediction.GetFlat(i);
            if (v < low || v > high)
            {
                return v;
            }
        }

        return null;
    }

    /// <summary>A loss by name.</summary>
    public static implicit operator Loss(string name) => FromName(name);
}
