using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Metrics;

/// <summary>
/// A quantity accumulated over batches (an epoch) and read with <see cref="Result"/>. Metrics read values only; they
/// are not differentiated.
/// </summary>
public abstract class Metric
{
    /// <summary>The key in logs and <c>History</c> (<c>accuracy</c>, <c>precision</c>, …).</summary>
    public abstract string Name { get; }

    /// <summary>Adds one batch of predictions and targets.</summary>
    public abstract void Update(Tensor prediction, Tensor target);

    /// <summary>The value over everything added since the last <see cref="Reset"/> (0 when nothing was added).</summary>
    public abstract double Result();

    /// <summary>Forgets everything added.</summary>
    public abstract void Reset();

    /// <summary>Looks a metric up by name: <c>accuracy</c>, <c>binary_accuracy</c>, <c>categorical_accuracy</c>, <c>precision</c>, <c>recall</c>.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static Metric FromName(string name) => name.ToLowerInvariant() switch
    {
        "accuracy" or "acc" => new Accuracy(),
        "binary_accuracy" => new BinaryAccuracy(),
        "categorical_accuracy" => new CategoricalAccuracy(),
        "precision" => new Precision(),
        "recall" => new Recall(),
        _ => throw new ArgumentException($"Unknown metric '{name}'. Known: accuracy, binary_accuracy, categorical_accuracy, precision, recall.", nameof(name)),
    };

    /// <summary>A metric by name.</summary>
    public static implicit operator Metric(string name) => FromName(name);

    /// <summary>Throws unless the prediction and target hold the same number of values.</summary>
    protected void RequireSameSize(Tensor prediction, Tensor target)
    {
        if (prediction.Size != target.Size)
        {
            throw new ArgumentException($"{Name}: the prediction {prediction.Shape} and target {target.Shape} hold different numbers of values.");
        }
    }
}

/// <summary>Fraction of correct predictions, for binary (one output, thresholded) or categorical (argmax) outputs, chosen per batch by the prediction's last axis.</summary>
public sealed class Accuracy : Metric
{
    private readonly BinaryAccuracy binary = new();
    private readonly CategoricalAccuracy categorical = new();
    private Metric? active;

    /// <inheritdoc/>
    public override string Name => "accuracy";

    /// <inheritdoc/>
    public override void Update(Tensor prediction, Tensor target)
    {
        active = prediction.Rank >= 2 && prediction.Shape[-1] > 1 ? categorical : binary;
        active.Update(prediction, target);
    }

    /// <inheritdoc/>
    public override double Result() => active?.Result() ?? 0;

    /// <inheritdoc/>
    public override void Reset()
    {
        binary.Reset();
        categorical.Reset();
        active = null;
    }
}

/// <summary>
/// A metric that is a ratio of two counts summed over batches (accuracy, precision, recall). Subclasses count one
/// batch with tensor ops (comparisons, argmax, sums); recording is off while they do.
/// </summary>
public abstract class RatioMetric : Metric
{
    private double hits, total;

    /// <summary>The batch's numerator and denominator counts.</summary>
    protected abstract (double Hits, double Total) Count(Tensor prediction, Tensor target);

    /// <inheritdoc/>
    public sealed override void Update(Tensor prediction, Tensor target)
    {
        using (Autodiff.NoGrad())
        {
            var (batchHits, batchTotal) = Count(prediction, target);
            hits += batchHits;
            total += batchTotal;
        }
    }

    /// <inheritdoc/>
    public sealed override double Result() => total == 0 ? 0 : hits / total;

    /// <inheritdoc/>
    public sealed override void Reset() => hits = total = 0;

    /// <summary>The target with the prediction's shape and dtype (e.g. labels [N] against probabilities [N, 1]).</summary>
    protected Tensor Aligned(Tensor prediction, Tensor target)
    {
        RequireSameSize(prediction, target);
        return target.To(prediction.DType).Reshape(prediction.Shape);
    }
}

/// <summary>Fraction of elements where (prediction &gt; threshold) equals (target &gt; 0.5); predictions are probabilities.</summary>
public sealed class BinaryAccuracy(double threshold = 0.5) : RatioMetric
{
    /// <summary>The decision threshold.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc/>
    public override string Name => "binary_accuracy";

    /// <inheritdoc/>
    protected override (double Hits, double Total) Count(Tensor prediction, Tensor target) =>
        (prediction.Greater(Threshold).Equal(Aligned(prediction, target).Greater(0.5)).Sum().ItemDouble(), prediction.Size);
}

/// <summary>Fraction of samples whose argmax over the last axis equals the label (integer labels <c>[N]</c> or one-hot <c>[N, C]</c>).</summary>
public sealed class CategoricalAccuracy : RatioMetric
{
    /// <inheritdoc/>
    public override string Name => "categorical_accuracy";

    /// <inheritdoc/>
    protected override (double Hits, double Total) Count(Tensor prediction, Tensor target)
    {
        int classes = prediction.Shape[-1];
        int samples = prediction.Size / classes;
        bool oneHot = target.Size == prediction.Size && classes > 1;
        if (!oneHot && target.Size != samples)
        {
            throw new ArgumentException($"{Name}: the target {target.Shape} is neither {samples} labels nor one-hot rows like the prediction {prediction.Shape}.");
        }

        if (!oneHot)
        {
            Ops.Indexing.IndexValues.CheckDType(Name, target.Type, "labels");
        }

        // ArgMax gives Int64 class indices, compared exactly with the Int64/Int32 labels.
        Tensor predicted = prediction.Reshape(samples, classes).ArgMax(-1);
        Tensor actual = oneHot ? target.Reshape(samples, classes).ArgMax(-1) : target.Reshape(samples);
        return (predicted.Equal(actual).Sum().ItemDouble(), samples);
    }
}

/// <summary>Binary precision: true positives / predicted positives (prediction &gt; threshold); 0 when nothing is predicted positive.</summary>
public sealed class Precision(double threshold = 0.5) : RatioMetric
{
    /// <summary>The decision threshold.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc/>
    public override string Name => "precision";

    /// <inheritdoc/>
    protected override (double Hits, double Total) Count(Tensor prediction, Tensor target)
    {
        Tensor predictedPositive = prediction.Greater(Threshold);
        Tensor truePositive = predictedPositive.Mul(Aligned(prediction, target).Greater(0.5));
        return (truePositive.Sum().ItemDouble(), predictedPositive.Sum().ItemDouble());
    }
}

/// <summary>Binary recall: true positives / actual positives (target &gt; 0.5); 0 when there are none.</summary>
public sealed class Recall(double threshold = 0.5) : RatioMetric
{
    /// <summary>The decision threshold.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc/>
    public override string Name => "recall";

    /// <inheritdoc/>
    protected override (double Hits, double Total) Count(Tensor prediction, Tensor target)
    {
        Tensor actualPositive = Aligned(prediction, target).Greater(0.5);
        Tensor truePositive = prediction.Greater(Threshold).Mul(actualPositive);
        return (truePositive.Sum().ItemDouble(), actualPositive.Sum().ItemDouble());
    }
}
