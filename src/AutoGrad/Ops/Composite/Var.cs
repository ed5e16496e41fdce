namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Variance over the given axes (all when null or empty): ∑(x − mean)² / (N − correction), where N is the number of
    /// reduced elements. correction 0 is the population variance, 1 the unbiased sample variance. A composite computed in
    /// two passes (mean first, then squared deviations), which avoids the cancellation of E[x²] − E[x]².
    /// </summary>
    /// <param name="axes">Axes to reduce; negative values count from the end.</param>
    /// <param name="keepDims">Keep reduced axes as size 1.</param>
    /// <param name="correction">Subtracted from N in the denominator (Bessel's correction is 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">An axis is out of range, or correction is negative.</exception>
    /// <exception cref="ArgumentException">An axis is repeated, or N − correction ≤ 0 (no degrees of freedom left).</exception>
    public Tensor Var(int[]? axes = null, bool keepDims = false, int correction = 0)
    {
        int[] normalized = ShapeChecks.Axes("var", axes, Rank);
        if (correction < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(correction), correction, $"var: correction must be ≥ 0, got {correction}.");
        }

        int count = ReducedCount(normalized);
        if (count - correction <= 0)
        {
            throw new ArgumentException(
                $"var: correction {correction} leaves no degrees of freedom: axes ({string.Join(", ", normalized)}) of shape {Shape} " +
                $"reduce {count} element(s) each, and the denominator N − correction must be positive.");
        }

        Tensor deviation = Sub(Mean(normalized, keepDims: true));
        // With a correction the divisor is not proportional to the reduced count, so it is computed by an op from the
        // shape at run time instead of being captured as a constant (which would be wrong at other batch sizes).
        return correction == 0
            ? deviation.Square().Sum(normalized, keepDims).Div(CountConstant(normalized))
            : deviation.Square().MeanWithCorrection(normalized, keepDims, correction);
    }

    /// <summary>Variance over one axis (see <see cref="Var(int[], bool, int)"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range, or correction is negative.</exception>
    /// <exception cref="ArgumentException">N − correction ≤ 0.</exception>
    public Tensor Var(int axis, bool keepDims = false, int correction = 0) => Var([axis], keepDims, correction);
}
