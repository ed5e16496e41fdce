using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Optimizers;

/// <summary>Gradient clipping, written with tensor ops so that a traced training step records it.</summary>
public static class GradientClipping
{
    // PyTorch's clip_grad_norm_ adds this to the norm so an all-zero gradient never divides by zero.
    private const double NormEpsilon = 1e-6;

    /// <summary>
    /// Scales all gradients in place by min(1, maxNorm / (‖g‖ + 1e-6)) where ‖g‖ is the L2 norm over every gradient
    /// element together, so the direction is kept (PyTorch's <c>clip_grad_norm_</c>). Parameters without a gradient are
    /// skipped.
    /// </summary>
    /// <returns>The global norm before clipping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is negative or NaN.</exception>
    /// <exception cref="ArgumentException">The gradients have different dtypes.</exception>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0)
        {
            CheckMaxNorm(maxNorm);
            return 0;
        }

        using (Autodiff.NoGrad())
        {
            Tensor norm = GlobalNorm(grads, maxNorm);
            Tensor scale = Coefficient(norm, maxNorm);
            foreach (Tensor g in grads)
            {
                g.Assign(g.Mul(scale));
            }

            return norm.ItemDouble();
        }
    }

    /// <summary>The clipped gradients as new tensors (null stays null): what an optimizer step with <c>ClipNorm</c> updates with.</summary>
    internal static Tensor?[] Clip(IReadOnlyList<Tensor?> gradients, double maxNorm)
    {
        var present = gradients.OfType<Tensor>().ToList();
        if (present.Count == 0)
        {
            CheckMaxNorm(maxNorm);
            return [.. gradients];
        }

        Tensor scale = Coefficient(GlobalNorm(present, maxNorm), maxNorm);
        return [.. gradients.Select(g => g?.Mul(scale))];
    }

    private static Tensor GlobalNorm(IReadOnlyList<Tensor> grads, double maxNorm)
    {
        CheckMaxNorm(maxNorm);
        DType dtype = grads[0].DType;
        if (grads.Any(g => g.DType != dtype))
        {
            throw new ArgumentException(
                $"ClipGradNorm: the gradients mix dtypes ({string.Join(", ", grads.Select(g => g.Type).Distinct())}); convert the model with To(dtype) first.");
        }

        Tensor sumOfSquares = grads[0].Square().Sum();
        for (int i = 1; i < grads.Count; i++)
        {
            sumOfSquares = sumOfSquares.Add(grads[i].Square().Sum());
        }

        return sumOfSquares.Sqrt();
    }

    private static Tensor Coefficient(Tensor norm, double maxNorm) =>
        norm.ScalarLike(maxNorm).Div(norm.Add(NormEpsilon)).Minimum(1.0);

    private static void CheckMaxNorm(double maxNorm)
    {
        if (!(maxNorm >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, $"ClipGradNorm: maxNorm must be a non-negative number, got {maxNorm}.");
        }
    }
}
