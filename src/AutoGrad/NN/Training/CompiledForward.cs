using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Training;

/// <summary>
/// What <c>Evaluate</c> and <c>Predict</c> run per batch with <c>jit: true</c>: the model's forward in evaluation mode
/// (dropout off, batch statistics from the running averages), traced once abstractly and compiled, reading the
/// parameters and buffers by reference so later training is seen. It is traced again when a per-example input type
/// changes (a changed axis, such as a sequence length, then becomes symbolic: <see cref="DynamicSpecs"/>) or the model's
/// parameters or buffers are replaced (its cached parameter list is then a new one).
/// </summary>
internal sealed class CompiledForward
{
    private readonly CompiledGraph executable;
    private readonly TensorSpec[] specs;
    private readonly IReadOnlyList<Tensor> parameters;

    // True once a trace with dynamic (named) axes failed for this model: later shape changes retrace with fixed axes.
    private readonly bool staticShapes;

    private CompiledForward(Model model, TensorSpec[] specs, bool staticShapes)
    {
        this.specs = specs;
        this.staticShapes = staticShapes;
        try
        {
            executable = Graph.Trace(xs => model.CallCore(xs), specs).Compile();
        }
        catch (InvalidOperationException e)
        {
            throw Untraceable(e);
        }

        // After the trace: a lazily built layer created its parameters during it, which made a new list.
        parameters = model.Parameters();
    }

    /// <summary>The forward for these inputs: <paramref name="current"/> when it still fits, else a newly traced one.
    /// Call in evaluation mode.</summary>
    public static CompiledForward For(CompiledForward? current, Model model, ReadOnlySpan<Tensor> inputs)
    {
        bool same = current is not null && ReferenceEquals(current.parameters, model.Parameters());
        if (same && DynamicSpecs.Matches(current!.specs, inputs, []))
        {
            return current;
        }

        // A per-example axis that changed (a sequence length) is made symbolic, so one more trace serves every length.
        return DynamicSpecs.Retrace(same ? current!.specs : null, current?.staticShapes ?? false, inputs,
            (specs, staticShapes) => new CompiledForward(model, specs, staticShapes));
    }

    /// <summary>The model's outputs for one batch: the executable's buffers, overwritten by the next call.</summary>
    public IReadOnlyList<Tensor> Run(ReadOnlySpan<Tensor> inputs) => executable.Run(inputs);

    /// <summary>The error for a model whose forward cannot be traced: what jit does, why it failed, and the way out.</summary>
    private static InvalidOperationException Untraceable(InvalidOperationException e) =>
        new($"Evaluate/Predict with jit: true traces the model's forward into one compiled graph, and it could not be traced: {e.Message} " +
            "Compile the model with jit: false (or set model.Jit = false) to run it op by op.", e);
}
