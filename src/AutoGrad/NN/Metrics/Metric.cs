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

/// <summary>Fraction of elements where (prediction &gt; threshold) equals (target &gt; 0.5); predictions are probabilities.</summary>
public sealed class BinaryAccuracy(double threshold = 0.5) : Metric
{
    private long correct, total;

    /// <summary>The decision threshold.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc/>
    public override string Name => "binary_accuracy";

    /// <inheritdoc/>
    public override void Update(Tensor prediction, Tensor target)
    {
        RequireSameSize(prediction, target);
        for (int i = 0; i < prediction.Size; i++)
        {
            if ((prediction.GetFlat(i) > Threshold) == (target.GetFlat(i) > 0.5))
            {
                correct++;
            }
        }

        total += prediction.Size;
    }

    /// <inheritdoc/>
    public override double Result() => total == 0 ? 0 : (double)correct / total;

    /// <inheritdoc/>
    public override void Reset() => correct = total = 0;
}

/// <summary>Fraction of samples whose argmax over the last axis equals the label (integer labels <c>[N]</c> or one-hot <c>[N, C]</c>).</summary>
public sealed class CategoricalAccuracy : Metric
{
    private long correct, total;

    /// <inheritdoc/>
    public override string Name => "categorical_accuracy";

    /// <inheritdoc/>
    public override void Update(Tensor prediction, Tensor target)
    {
        int classes = prediction.Shape[-1];
        int samples = prediction.Size / classes;
        bool oneHot = target.Size == prediction.Size && classes > 1;
        if (!oneHot && target.Size != samples)
        {
            throw new ArgumentException($"{Name}: the target {target.Shape} is neither {samples} labels nor one-hot rows like the prediction {prediction.Shape}.");
        }

        for (int n = 0; n < samples; n++)
        {
            int predicted = ArgMax(prediction, n * classes, classes);
            int actual = oneHot ? ArgMax(target, n * classes, classes) : (int)target.GetFlat(n);
            if (predicted == actual)
            {
                correct++;
            }
        }

        total += samples;
    }

    /// <inheritdoc/>
    public override double Result() => total == 0 ? 0 : (double)correct / total;

    /// <inheritdoc/>
    public override void Reset() => correct = total = 0;

    private static int ArgMax(Tensor t, int offset, int count)
    {
        int best = 0;
        double bestValue = t.GetFlat(offset);
        for (int c = 1; c < count; c++)
        {
            double v = t.GetFlat(offset + c);
            if (v > bestValue)
            {
                bestValue = v;
                best = c;
            }
        }

        return best;
    }
}

/// <summary>Binary precision: true positives / predicted positives (prediction &gt; threshold); 0 when nothing is predicted positive.</summary>
public sealed class Precision(double threshold = 0.5) : Metric
{
    private long truePositives, predictedPositives;

    /// <summary>The decision threshold.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc/>
    public override string Name => "precision";

    /// <inheritdoc/>
    public override void Update(Tensor prediction, Tensor target)
    {
        RequireSameSize(prediction, target);
        for (int i = 0; i < prediction.Size; i++)
        {
            if (prediction.GetFlat(i) > Threshold)
            {
                predictedPositives++;
                if (target.GetFlat(i) > 0.5)
                {
                    truePositives++;
                }
            }
        }
    }

    /// <inheritdoc/>
    public override double Result() => predictedPositives == 0 ? 0 : (double)truePositives / predictedPositives;

    /// <inheritdoc/>
    public override void Reset() => truePositives = predictedPositives = 0;
}

/// <summary>Binary recall: true positives / actual positives (target &gt; 0.5); 0 when there are none.</summary>
public sealed class Recall(double threshold = 0.5) : Metric
{
    private long truePositives, actualPositives;

    /// <summary>The decision threshold.</summary>
    public double Threshold { get; } = threshold;

    /// <inheritdoc/>
    public override string Name => "recall";

    /// <inheritdoc/>
    public override void Update(Tensor prediction, Tensor target)
    {
        RequireSameSize(prediction, target);
        for (int i = 0; i < prediction.Size; i++)
        {
            if (target.GetFlat(i) > 0.5)
            {
                actualPositives++;
                if (prediction.GetFlat(i) > Threshold)
                {
                    truePositives++;
                }
            }
        }
    }

    /// <inheritdoc/>
    public override double Result() => actualPositives == 0 ? 0 : (double)truePositives / actualPositives;

    /// <inheritdoc/>
    public override void Reset() => truePositives = actualPositives = 0;
}
