using AutoGrad.Differentiation;

namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires grad and adds it to the leaf's
    /// <see cref="Grad"/> (gradients accumulate across calls until <see cref="ZeroGrad"/>).
    /// </summary>
    /// <param name="gradient">The seed dL/dthis; required unless this tensor has exactly one element.</param>
    /// <param name="retainGraph">Keep the saved values so the graph can be walked again; otherwise they are freed.</param>
    /// <param name="createGraph">Record the backward pass so the accumulated gradients can be differentiated again.</param>
    /// <exception cref="ArgumentException">Non-scalar without a seed, or a seed of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">Nothing requires grad, the graph was already released, or a saved value was modified in place.</exception>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        ReverseWalk.Run(this, Autodiff.Seed(this, gradient, "Backward"), null, retainGraph, createGraph);
}
