using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// A whole training step — forward, gradient and optimizer update — traced once into one graph, optimized and compiled.
/// Each <see cref="Step"/> runs the plan and copies the new parameter and optimizer-state values back in place, so the
/// caller's parameter tensors (and any model using them) see the update, exactly as an eager optimizer step would.
/// </summary>
public sealed class CompiledTrainingStep
{
    private readonly CompiledGraph executable;

    private CompiledTrainingStep(Graph graph, CompiledGraph executable, IReadOnlyList<Tensor> state)
    {
        Graph = graph;
        this.executable = executable;
        State = state;
    }

    /// <summary>The traced step (before optimization): outputs are the loss, the new parameters, then the new optimizer state.</summary>
    public Graph Graph { get; }

    /// <summary>The compiled, optimized step.</summary>
    public CompiledGraph Executable => executable;

    /// <summary>The optimizer's state tensors (updated in place by every step).</summary>
    public IReadOnlyList<Tensor> State { get; }

    /// <summary>Traces and compiles a training step.</summary>
    /// <param name="loss">The loss of a batch: (inputs, targets) → scalar, using the parameters.</param>
    /// <param name="input">The type of an input batch, e.g. <c>TensorSpec.Batched(784)</c>.</param>
    /// <param name="target">The type of a target batch.</param>
    /// <param name="parameters">The parameters to train: named leaves that require grad.</param>
    /// <param name="optimizer">The update rule.</param>
    /// <exception cref="ArgumentException">A parameter is unnamed or does not require grad, or the list is empty.</exception>
    public static CompiledTrainingStep Create(Func<Tensor, Tensor, Tensor> loss, TensorSpec input, TensorSpec target,
        IReadOnlyList<Tensor> parameters, GraphOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (parameters.Count == 0)
        {
            throw new ArgumentException("CompiledTrainingStep.Create: no parameters to train.", nameof(parameters));
        }

        foreach (Tensor p in parameters)
        {
            if (p.Name is null || !p.RequiresGrad || !p.IsLeaf)
            {
                throw new ArgumentException(
                    $"CompiledTrainingStep.Create: every parameter must be a named leaf that requires grad; a {p.Type} parameter named '{p.Name ?? "(none)"}' " +
                    $"{(p.Name is null ? "has no Name" : "does not require grad")}.", nameof(parameters));
            }
        }

        IReadOnlyList<Tensor> state = optimizer.CreateState(parameters);
        Tensor[] Step(Tensor[] batch)
        {
            using var grad = Autodiff.EnableGrad();
            Tensor value = loss(batch[0], batch[1]);
            Tensor[] gradients = Autodiff.Grad(value, parameters);
            using var noGrad = Autodiff.NoGrad();
            return [value, .. optimizer.Update(parameters, gradients, state)];
        }

        Graph graph = Graph.Trace(Step, [input, target], state);
        var writeBacks = new (int, Tensor)[parameters.Count + state.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            writeBacks[i] = (1 + i, parameters[i]);
        }

        for (int i = 0; i < state.Count; i++)
        {
            writeBacks[parameters.Count + i] = (1 + parameters.Count + i, state[i]);
        }

        return new CompiledTrainingStep(graph, new CompiledGraph(graph.Optimize(), writeBacks), state);
    }

    /// <summary>Runs one step on a batch and returns the loss before the update.</summary>
    /// <exception cref="ArgumentException">The batch does not match the traced types.</exception>
    public double Step(Tensor input, Tensor target) => executable.Run(input, target)[0].ItemDouble();
}
