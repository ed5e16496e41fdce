using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Training;

/// <summary>
/// What <c>Evaluate</c> and <c>Predict</c> run per batch with <c>jit: true</c>: the model's forward in evaluation mode
/// (dropout off, batch statistics from the running averages), traced once abstractly and compiled, reading the
/// parameters and buffers by reference so later training is seen. It is traced again when a per-example input type
/// changes or the model's parameters or buffers are replaced (its cached parameter list is then a new one).
/// </summary>
internal sealed class CompiledForward
{
    private readonly CompiledGraph executable;
    private readonly TensorSpec[] specs;
    private readonly IReadOnlyList<Tensor> parameters;

    private CompiledForward(Model model, ReadOnlySpan<Tensor> inputs)
    {
        specs = [.. inputs.ToArray().Select(t => TensorSpec.Batched(t.DType, t.Shape.ToArray()[1..]))];
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
    public static CompiledForward For(CompiledForward? current, Model model, ReadOnlySpan<Tensor> inputs) =>
        current is not null && ReferenceEquals(current.parameters, model.Parameters()) && TensorSpec.MatchBatched(current.specs, inputs)
            ? current
            : new CompiledForward(model, inputs);

    /// <summary>The model's outputs for one batch: the executable's buffers, overwritten by the next call.</summary>
    public IReadOnlyList<Tensor> Run(ReadOnlySpan<Tensor> inputs) => executable.Run(inputs);

    /// <summary>The error for a model whose forward cannot be traced: what jit does, why it failed, and the way out.</summary>
    private static InvalidOperationException Untraceable(InvalidOperationException e) =>
        new($"Evaluate/Predict with jit: true traces the model's forward into one compiled graph, and it could not be traced: {e.Message} " +
            "Compile the model with jit: false (or set model.Jit = false) to run it op by op.", e);
}
