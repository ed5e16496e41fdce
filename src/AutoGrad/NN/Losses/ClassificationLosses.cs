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

    internal override string? CheckPrediction(Tensor prediction) =>
        FirstOutside(prediction, 0, 1) is { } v
            ? $"{Name} expects probabilities, but a prediction is {v}, outside [0, 1]: are these logits? End the model with a sigmoid, " +
              "or use a logits loss (\"bce_with_logits\", or Loss.FromName(\"binary_crossentropy\", fromLogits: true))."
            : null;
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

    internal override string? CheckPrediction(Tensor prediction) =>
        ProbabilityOp(prediction) is { } op
            ? $"{Name} expects logits, but the predictions come from a {op}, so they are probabilities: remove the {op} activation, " +
              "or use a probability loss (\"binary_crossentropy\", or Loss.FromName(\"bce\", fromLogits: false))."
            : null;
}

/// <summary>
/// Cross-entropy over <c>[N, C]</c> predictions: −Σ_c w_c·t_c·log p_c per sample. On logits (the default of this class, as
/// PyTorch's <c>CrossEntropyLoss</c>) p = softmax(x), computed as log_softmax for stability; with
/// <c>fromLogits: false</c> (Keras' <c>categorical_crossentropy</c>, and every cross-entropy name in
/// <see cref="Loss.FromName"/>) the predictions are probabilities, renormalized to sum to 1 and clamped to
/// [ε, 1 − ε] with ε = 1e-7 as Keras does. Targets are either integer class labels <c>[N]</c> or class probabilities
/// / one-hot rows <c>[N, C]</c>. With label smoothing ε the target becomes (1 − ε)·t + ε/C.
/// </summary>
/// <remarks>
/// <para>
/// <c>weight</c> (a <c>[C]</c> tensor, all ones when null) and <c>ignoreIndex</c> follow PyTorch. With integer labels
/// y_n, sample n's loss is w_{y_n}·(−log p_{y_n}) (with smoothing, −Σ_c w_c·t_c·log p_c); a sample whose label equals
/// <c>ignoreIndex</c> has loss 0 and no gradient, and the mean is the weighted mean Σ_n w_{y_n}·loss_n / Σ_n w_{y_n}
/// over the samples not ignored (NaN when every sample is ignored, as in PyTorch). <c>Sum</c> and <c>None</c> give the
/// weighted losses, 0 for ignored samples. With probability targets the weights scale each class's term, the mean
/// divides by N, and <c>ignoreIndex</c> does not apply. Labels are never read in C# in a trace: the mask is a
/// <c>not_equal</c> op and the weights a one-hot product, so the options compile.
/// </para>
/// </remarks>
/// <param name="labelSmoothing">The label-smoothing ε in [0, 1].</param>
/// <param name="reduction">How per-sample losses are combined.</param>
/// <param name="fromLogits">Whether predictions are logits (true) or probabilities (false).</param>
/// <param name="weight">Per-class weights <c>[C]</c>, or null for none.</param>
/// <param name="ignoreIndex">A label value whose samples are ignored, or null (the default) to ignore none; PyTorch's is −100.</param>
public sealed class CrossEntropy(
    double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean, bool fromLogits = true, Tensor? weight = null, int? ignoreIndex = null)
    : Loss(reduction)
{
    private const double ProbabilityEpsilon = 1e-7;

    /// <summary>The label-smoothing ε in [0, 1].</summary>
    public double LabelSmoothing { get; } = labelSmoothing is >= 0 and <= 1
        ? labelSmoothing
        : throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "CrossEntropy: label smoothing must be in [0, 1].");

    /// <summary>Whether predictions are logits (true) or probabilities (false).</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <summary>Per-class weights <c>[C]</c>, or null.</summary>
    public Tensor? Weight { get; } = weight is null || weight.Rank == 1
        ? weight
        : throw new ArgumentException($"CrossEntropy: the class weights must be a [C] vector, got shape {weight.Shape}.", nameof(weight));

    /// <summary>The label value whose samples contribute nothing, or null.</summary>
    public int? IgnoreIndex { get; } = ignoreIndex;

    /// <inheritdoc/>
    public override string Name => "cross_entropy";

    /// <inheritdoc/>
    protected override Tensor Unreduced(Tensor prediction, Tensor target) => UnreducedWithDenominator(prediction, target).Loss;

    private protected override (Tensor Loss, Tensor? Denominator) UnreducedWithDenominator(Tensor prediction, Tensor target)
    {
        Tensor probabilities = ClassTargets.ToProbabilities(Name, prediction, target, IgnoreIndex, out Tensor? keep);
        bool labels = !ReferenceEquals(probabilities, target);
        int classes = prediction.Shape[-1];
        Tensor? w = null;
        if (Weight is not null)
        {
            if (Weight.Shape[0] != classes)
            {
                throw new ArgumentException($"{Name}: the class weights have shape {Weight.Shape} but the prediction {prediction.Shape} has {classes} classes.");
            }

            w = Weight.DType == prediction.DType ? Weight : Weight.To(prediction.DType);
        }

        // PyTorch's denominator: the weights of the true classes of the samples not ignored (before smoothing).
        Tensor? denominator = labels && (w is not null || keep is not null)
            ? (w is null ? probabilities : probabilities * w).Sum()
            : null;

        if (LabelSmoothing > 0)
        {
            probabilities = (probabilities * (1 - LabelSmoothing)) + (LabelSmoothing / classes);
            if (keep is not null)
            {
                probabilities *= keep;
            }
        }

        if (w is not null)
        {
            probabilities *= w;
        }

        Tensor logP = FromLogits
            ? prediction.LogSoftmax(-1)
            : (prediction / prediction.Sum(-1, keepDims: true)).Clamp(ProbabilityEpsilon, 1 - ProbabilityEpsilon).Log();
        return (-(probabilities * logP).Sum(-1), denominator);
    }

    private static bool LooksLikeSoftmaxRows(Tensor prediction)
    {
        if (prediction.Rank != 2 || prediction.Shape[1] < 2 || FirstOutside(prediction, 0, 1) is not null)
        {
            return false;
        }

        int rows = prediction.Shape[0], classes = prediction.Shape[1];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                sum += prediction.GetFlat((r * classes) + c);
            }

            if (Math.Abs(sum - 1) > 1e-4)
            {
                return false;
            }
        }

        return rows > 0;
    }

    internal override string? CheckPrediction(Tensor prediction)
    {
        if (FromLogits)
        {
            // The producing op tells when the tape recorded it; otherwise (a compiled step) rows of values in [0, 1]
            // summing to 1 are a softmax's output.
            string? source = ProbabilityOp(prediction) ?? (LooksLikeSoftmaxRows(prediction) ? "softmax" : null);
            return source is { } op
                ? $"{Name} expects logits, but the predictions come from a {op}, so they are probabilities (a softmax of a softmax trains badly): " +
                  $"remove the {op} activation, or use a probability loss (\"sparse_categorical_crossentropy\", or new CrossEntropy(fromLogits: false))."
                : null;
        }

        return FirstOutside(prediction, 0, 1) is { } v
            ? $"{Name} expects probabilities, but a prediction is {v}, outside [0, 1]: are these logits? End the model with a softmax, " +
              "or pass fromLogits: true (Loss.FromName(\"sparse_categorical_crossentropy\", fromLogits: true), or new CrossEntropy())."
            : null;
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

    internal override string? CheckPrediction(Tensor prediction) =>
        FirstOutside(prediction, double.NegativeInfinity, 0) is { } v
            ? $"{Name} expects log-probabilities (≤ 0), but a prediction is {v}: end the model with a log_softmax, or use a cross-entropy loss."
            : null;
}

/// <summary>Turns integer labels or probability rows into a <c>[N, C]</c> target matching the prediction.</summary>
internal static class ClassTargets
{
    public static Tensor ToProbabilities(string loss, Tensor prediction, Tensor target) =>
        ToProbabilities(loss, prediction, target, null, out _);

    /// <summary>
    /// As above; with <paramref name="ignoreIndex"/> and integer labels, samples whose label equals it get an all-zero
    /// row, and <paramref name="keep"/> is their <c>[N, 1]</c> 0/1 mask (else null). Returns <paramref name="target"/>
    /// itself when it already holds probability rows.
    /// </summary>
    public static Tensor ToProbabilities(string loss, Tensor prediction, Tensor target, int? ignoreIndex, out Tensor? keep)
    {
        keep = null;
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

        // Labels are Int64 or Int32, as in PyTorch (a float label of 16,777,217 would already be wrong in float32).
        Ops.Indexing.IndexValues.CheckDType(loss, target.Type, "labels");

        // Checked here for a clear message in eager mode; in a trace the labels have no values yet, and one_hot's
        // kernel checks them when the graph runs.
        for (int i = 0; i < (target.IsAbstract ? 0 : target.Size); i++)
        {
            double label = target.GetFlat(i);
            if (label == ignoreIndex)
            {
                continue;
            }

            if (label < 0 || label >= classes)
            {
                throw new ArgumentOutOfRangeException(nameof(target),
                    $"{loss}: label {label} of sample {i} is not a class in [0, {classes}).");
            }
        }

        Tensor flat = target.Reshape(target.Shape[0]);
        if (ignoreIndex is not { } ignored)
        {
            return flat.OneHot(classes, prediction.DType);
        }

        // Ignored labels (often −100) are outside [0, C): zero them before one_hot, then zero their rows.
        Tensor mask = flat.NotEqual(ignored);
        keep = mask.Reshape(-1, 1).To(prediction.DType);
        return (flat * mask).OneHot(classes, prediction.DType) * keep;
    }
}
