using AutoGrad.Differentiation;

namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Batch normalization over every axis but axis 1 (features of [N, C], channels of [N, C, H, W], …), PyTorch's
    /// <c>F.batch_norm</c>: y = (x − μ)/√(σ² + ε)·weight + bias, with weight and bias [C] optional. With
    /// <paramref name="training"/> μ and σ² are the batch's mean and biased variance, and when running statistics are
    /// given they are updated in place: running = (1 − momentum)·running + momentum·batch, using the unbiased variance,
    /// through <c>assign</c> ops so a traced training step records the update. Otherwise μ and σ² are the running
    /// statistics, which are then required. A composition of mean, var and elementwise ops: no derivative of its own.
    /// </summary>
    /// <param name="runningMean">Running mean [C] (updated when training), or null.</param>
    /// <param name="runningVar">Running (unbiased) variance [C] (updated when training), or null.</param>
    /// <param name="weight">Scale γ [C], or null for 1.</param>
    /// <param name="bias">Shift β [C], or null for 0.</param>
    /// <param name="training">Use batch statistics (and update the running ones) rather than the running statistics.</param>
    /// <param name="momentum">Weight of the newest batch in the running statistics.</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <exception cref="ArgumentException">The input has rank below 2, a [C] tensor has another shape, or running statistics are missing in evaluation mode.</exception>
    public Tensor BatchNorm(Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null, bool training = false, double momentum = 0.1, double epsilon = 1e-5)
    {
        const string op = "batch_norm";
        if (Rank < 2)
        {
            throw new ArgumentException($"{op}: the input needs a batch axis and a channel axis (axis 1), got shape {Shape}.");
        }

        int channels = Shape[1];
        foreach ((Tensor? t, string what) in new[] { (runningMean, "running mean"), (runningVar, "running variance"), (weight, "weight"), (bias, "bias") })
        {
            if (t is not null && (t.Rank != 1 || t.Shape[0] != channels))
            {
                throw new ArgumentException($"{op}: the {what} {t.Shape} must have shape ({channels},), one value per channel of the input {Shape} (axis 1).");
            }
        }

        if (!training && (runningMean is null || runningVar is null))
        {
            throw new ArgumentException($"{op}: evaluation mode (training: false) normalizes with the running statistics, so both must be given.");
        }

        var broadcast = new int[Rank];
        Array.Fill(broadcast, 1);
        broadcast[1] = channels;
        int[] axes = [.. Enumerable.Range(0, Rank).Where(a => a != 1)];

        // The deviations from the mean are computed once and serve the variance, the running variance and the output.
        Tensor centered, variance;
        if (training)
        {
            Tensor mean = Mean(axes, keepDims: true);
            centered = this - mean;
            Tensor squares = centered.Square();
            variance = squares.Mean(axes, keepDims: true);
            if (runningMean is not null || runningVar is not null)
            {
                int count = Size / Math.Max(channels, 1);
                using (Autodiff.NoGrad())
                {
                    // Ops, not raw writes: a traced training step records these updates and the compiled step performs them.
                    // The unbiased variance's divisor N − 1 comes from the shape at run time (reduce_mean with a correction).
                    runningMean?.Assign(runningMean.Mul(1 - momentum).Add(mean.Reshape(channels).Mul(momentum)));
                    runningVar?.Assign(runningVar.Mul(1 - momentum).Add(
                        (count > 1 ? squares.MeanWithCorrection(axes, false, 1) : squares.Mean(axes)).Mul(momentum)));
                }
            }
        }
        else
        {
            centered = this - runningMean!.Reshape(broadcast);
            variance = runningVar!.Reshape(broadcast);
        }

        Tensor y = centered / (variance + epsilon).Sqrt();
        if (weight is not null)
        {
            y *= weight.Reshape(broadcast);
        }

        return bias is null ? y : y + bias.Reshape(broadcast);
    }

    /// <summary>
    /// Layer normalization over the trailing axes given by <paramref name="normalizedShape"/>, PyTorch's
    /// <c>F.layer_norm</c>: y = (x − μ)/√(σ² + ε)·weight + bias with the mean and biased variance of each sample over
    /// those axes; weight and bias (optional) have shape <paramref name="normalizedShape"/>. A composition: no derivative
    /// of its own.
    /// </summary>
    /// <exception cref="ArgumentException">The input's trailing axes differ from normalizedShape, or weight/bias has another shape; the message names the shapes.</exception>
    public Tensor LayerNorm(int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double epsilon = 1e-5)
    {
        const string op = "layer_norm";
        ArgumentNullException.ThrowIfNull(normalizedShape);
        int n = normalizedShape.Length;
        bool fits = n > 0 && Rank >= n;
        for (int i = 0; fits && i < n; i++)
        {
            fits = Shape[Rank - n + i] == normalizedShape[i];
        }

        if (!fits)
        {
            throw new ArgumentException($"{op}: the trailing axes of the input {Shape} must be the normalized shape {new Shape(normalizedShape)}.");
        }

        foreach ((Tensor? t, string what) in new[] { (weight, "weight"), (bias, "bias") })
        {
            if (t is not null && !t.Shape.Dimensions.SequenceEqual(normalizedShape))
            {
                throw new ArgumentException($"{op}: the {what} {t.Shape} must have the normalized shape {new Shape(normalizedShape)}.");
            }
        }

        int[] axes = [.. Enumerable.Range(Rank - n, n)];
        // The deviations are computed once, for the variance and the output (Var would take the mean again).
        Tensor centered = this - Mean(axes, keepDims: true);
        Tensor y = centered / (centered.Square().Mean(axes, keepDims: true) + epsilon).Sqrt();
        if (weight is not null)
        {
            y *= weight;
        }

        return bias is null ? y : y + bias;
    }
}
