using AutoGrad.Tensors;

namespace AutoGrad.Differentiation;

/// <summary>The functional entry points of reverse-mode differentiation and the grad-mode scopes.</summary>
public static class Autodiff
{
    /// <summary>
    /// Gradients of <paramref name="output"/> with respect to each tensor in <paramref name="wrt"/>, without touching
    /// <see cref="Tensor.Grad"/>. With <paramref name="createGraph"/> the gradient computation is itself recorded, so the
    /// results can be differentiated again (Hessian-vector products, gradient penalties).
    /// </summary>
    /// <param name="output">The tensor to differentiate; a scalar unless <paramref name="gradOutput"/> is given.</param>
    /// <param name="wrt">Leaves or intermediate tensors that <paramref name="output"/> depends on.</param>
    /// <param name="gradOutput">The seed gradient (vector-Jacobian product); ones for a scalar output when null.</param>
    /// <param name="createGraph">Record the backward pass for higher-order derivatives.</param>
    /// <param name="retainGraph">Keep the forward graph for another pass; defaults to <paramref name="createGraph"/>.</param>
    /// <param name="allowUnused">Return null for a tensor that <paramref name="output"/> does not depend on instead of throwing.</param>
    /// <returns>One gradient per tensor in <paramref name="wrt"/>, each with that tensor's shape; zeros where the output does not depend on it and <paramref name="allowUnused"/> is false.</returns>
    /// <exception cref="InvalidOperationException">A wrt tensor was not used, or the graph was released.</exception>
    /// <exception cref="ArgumentException">A non-scalar output without <paramref name="gradOutput"/>, or a seed of the wrong shape.</exception>
    public static Tensor[] Grad(Tensor output, IReadOnlyList<Tensor> wrt, Tensor? gradOutput = null, bool createGraph = false,
        bool? retainGraph = null, bool allowUnused = false)
    {
        Tensor seed = Seed(output, gradOutput, "Grad");
        Tensor?[] results = ReverseWalk.Run(output, seed, [.. wrt], retainGraph ?? createGraph, createGraph, allowUnused)!;
        var filled = new Tensor[results.Length];
        for (int i = 0; i < results.Length; i++)
        {
            filled[i] = results[i] ?? wrt[i].ZerosLike();
        }

        return filled;
    }

    /// <summary>The gradient of <paramref name="output"/> with respect to one tensor.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="wrt"/> was not used to compute the output.</exception>
    public static Tensor Grad(Tensor output, Tensor wrt, bool createGraph = false) => Grad(output, [wrt], createGraph: createGraph)[0];

    /// <summary>Stops recording operations until the returned scope is disposed (<c>using (Autodiff.NoGrad()) { ... }</c>).</summary>
    public static GradModeScope NoGrad() => GradMode.Set(false);

    /// <summary>Turns recording back on inside a no-grad region until the returned scope is disposed.</summary>
    public static GradModeScope EnableGrad() => GradMode.Set(true);

    /// <summary>Anomaly mode until the returned scope is disposed: the first NaN or infinity, forward or backward, throws naming the op and where it was created.</summary>
    public static IDisposable DetectAnomaly() => AnomalyMode.Enable();

    internal static Tensor Seed(Tensor output, Tensor? gradOutput, string method)
    {
        if (gradOutput is null)
        {
            if (output.Size != 1)
            {
                throw new ArgumentException(
                    $"{method}: the output has shape {output.Shape}; a gradient can be created implicitly only for a scalar (one-element) output. " +
                    "Pass a seed gradient of the output's shape.");
            }

            return output.OnesLike();
        }

        if (gradOutput.Shape != output.Shape || gradOutput.DType != output.DType)
        {
            throw new ArgumentException($"{method}: the seed gradient {gradOutput.Type} does not match the output {output.Type}.");
        }

        return gradOutput;
    }
}
