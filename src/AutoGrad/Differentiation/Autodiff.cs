using AutoGrad.Tensors;

namespace AutoGrad.Differentiation;

/// <summary>The functional entry points of reverse-mode differentiation and the grad-mode scopes.</summary>
public static partial class Autodiff
{
    /// <summary>
    /// Gradients of <paramref name="output"/> with respect to each tensor in <paramref name="wrt"/>, without touching
    /// <see cref="Tensor.Grad"/>. With <paramref name="createGraph"/> the gradient computation is itself recorded, so the
    /// results can be differentiated again (Hessian-vector products, gradient penalties).
    /// </summary>
    /// <param name="output">The tensor to differentiate; a scalar unless <paramref name="gradOutput"/> is given.</param>
    /// <param name="wrt">Tensors that require grad (leaves, or results computed from such leaves) that <paramref name="output"/> depends on.</param>
    /// <param name="gradOutput">The seed gradient (vector-Jacobian product); ones for a scalar output when null.</param>
    /// <param name="createGraph">Record the backward pass for higher-order derivatives.</param>
    /// <param name="retainGraph">Keep the forward graph for another pass; defaults to <paramref name="createGraph"/>.</param>
    /// <returns>One gradient per tensor in <paramref name="wrt"/>, each with that tensor's shape.</returns>
    /// <exception cref="InvalidOperationException">
    /// A wrt tensor does not require grad (as in PyTorch, nothing was recorded for it, so its gradient cannot be
    /// computed: set <see cref="Tensor.RequiresGrad"/> before computing the output); a wrt tensor was not used to
    /// compute the output (use the overload with <c>allowUnused</c>); or the graph was released.
    /// </exception>
    /// <exception cref="ArgumentException">A non-scalar output without <paramref name="gradOutput"/>, or a seed of the wrong shape.</exception>
    public static Tensor[] Grad(Tensor output, IReadOnlyList<Tensor> wrt, Tensor? gradOutput = null, bool createGraph = false,
        bool? retainGraph = null)
    {
        Tensor?[] results = GradCore(output, wrt, gradOutput, createGraph, retainGraph, allowUnused: false);
        var filled = new Tensor[results.Length];
        for (int i = 0; i < results.Length; i++)
        {
            filled[i] = results[i]!;
        }

        return filled;
    }

    /// <summary>
    /// Like <see cref="Grad(Tensor, IReadOnlyList{Tensor}, Tensor?, bool, bool?)"/>, but with
    /// <paramref name="allowUnused"/> true a tensor that <paramref name="output"/> does not depend on gets null instead
    /// of an exception (PyTorch's <c>allow_unused=True</c>). Tensors that do not require grad still throw: their
    /// gradient is unknown, not zero.
    /// </summary>
    /// <param name="output">The tensor to differentiate; a scalar unless <paramref name="gradOutput"/> is given.</param>
    /// <param name="wrt">Tensors that require grad.</param>
    /// <param name="gradOutput">The seed gradient; ones for a scalar output when null.</param>
    /// <param name="createGraph">Record the backward pass for higher-order derivatives.</param>
    /// <param name="retainGraph">Keep the forward graph for another pass; defaults to <paramref name="createGraph"/>.</param>
    /// <param name="allowUnused">Return null for a tensor that <paramref name="output"/> does not depend on instead of throwing.</param>
    /// <returns>One gradient per tensor in <paramref name="wrt"/>; null exactly where the output does not depend on it.</returns>
    /// <exception cref="InvalidOperationException">A wrt tensor does not require grad, a wrt tensor was unused and <paramref name="allowUnused"/> is false, or the graph was released.</exception>
    /// <exception cref="ArgumentException">A non-scalar output without <paramref name="gradOutput"/>, or a seed of the wrong shape.</exception>
    public static Tensor?[] Grad(Tensor output, IReadOnlyList<Tensor> wrt, bool allowUnused, Tensor? gradOutput = null, bool createGraph = false,
        bool? retainGraph = null) =>
        GradCore(output, wrt, gradOutput, createGraph, retainGraph, allowUnused);

    private static Tensor?[] GradCore(Tensor output, IReadOnlyList<Tensor> wrt, Tensor? gradOutput, bool createGraph, bool? retainGraph, bool allowUnused)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(wrt);
        for (int i = 0; i < wrt.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(wrt[i], nameof(wrt));
            if (!wrt[i].RequiresGrad)
            {
                throw new InvalidOperationException(
                    $"Grad: input {i} ({wrt[i].Type}{(wrt[i].Name is { } name ? $" '{name}'" : string.Empty)}) does not require grad, so no gradient was recorded for it " +
                    "(PyTorch: \"One of the differentiated Tensors does not require grad\"). Set RequiresGrad = true (x.RequireGrad()) before computing the output.");
            }
        }

        Tensor seed = Seed(output, gradOutput, "Grad");
        return ReverseWalk.Run(output, seed, [.. wrt], retainGraph ?? createGraph, createGraph, allowUnused)!;
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
