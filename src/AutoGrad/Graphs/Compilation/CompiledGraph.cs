using AutoGrad.Graphs.Passes;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// An executable graph: called many times with new input values, it runs a fixed plan over buffers allocated once per
/// batch size (the first call at a batch size builds that plan). After that warm-up a call allocates no managed memory
/// when every node has a dedicated step (matmul, reductions, elementwise and fused kernels, reshape, broadcast_to); other
/// ops run through their own forward. Not thread-safe: use one per thread.
/// </summary>
public sealed class CompiledGraph
{
    private readonly Dictionary<int, ExecutionPlan> plans = [];
    private readonly (int Output, Tensor Target)[] writeBacks;

    internal CompiledGraph(Graph graph, (int Output, Tensor Target)[] writeBacks)
    {
        Graph = graph;
        this.writeBacks = writeBacks;
    }

    /// <summary>The (optimized) graph being run.</summary>
    public Graph Graph { get; }

    /// <summary>
    /// Runs the graph. The returned tensors are the executable's own buffers, overwritten by the next call: read them or
    /// <see cref="Tensor.Clone"/> them before calling again. Parameters are read at their current values.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong number of inputs, or an input of the wrong type; the message names the input and both types.</exception>
    public IReadOnlyList<Tensor> Run(params ReadOnlySpan<Tensor> inputs)
    {
        int batch = Graph.InferBatch(inputs, "CompiledGraph.Run");
        if (!plans.TryGetValue(batch, out ExecutionPlan? plan))
        {
            plan = new ExecutionPlan(Graph, batch);
            plans[batch] = plan;
        }

        Tensor[] outputs = plan.Execute(inputs);
        foreach (var (output, target) in writeBacks)
        {
            // In place on purpose: the caller's parameter tensors (and the graph, which captured them) see the update.
            Array.Copy(outputs[output].Data, target.Data, target.Size);
            target.storage.Version++;
        }

        return outputs;
    }

    /// <summary>The memory plan used at a batch size (building the plan if needed).</summary>
    public MemoryPlan MemoryPlan(int batch = 1)
    {
        if (!plans.TryGetValue(batch, out ExecutionPlan? plan))
        {
            plan = new ExecutionPlan(Graph, batch);
            plans[batch] = plan;
        }

        return plan.Memory;
    }
}
