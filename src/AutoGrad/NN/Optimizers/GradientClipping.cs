using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Optimizers;

/// <summary>Gradient clipping.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients by min(1, maxNorm / ‖g‖) where ‖g‖ is the L2 norm over every gradient element together,
    /// so the direction is kept. Parameters without a gradient are skipped.
    /// </summary>
    /// <returns>The global norm before clipping.</returns>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxNorm);
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        double sumSquares = 0;
        foreach (var g in grads)
        {
            sumSquares += g.DType == DType.Float32
                ? System.Numerics.Tensors.TensorPrimitives.SumOfSquares<float>(g.AsSpan<float>())
                : System.Numerics.Tensors.TensorPrimitives.SumOfSquares<double>(g.AsSpan<double>());
        }

        double norm = Math.Sqrt(sumSquares);
        if (norm > maxNorm && norm > 0)
        {
            using (Autodiff.NoGrad())
            {
                foreach (var g in grads)
                {
                    g.MulInPlace(maxNorm / norm);
                }
            }
        }

        return norm;
    }
}
