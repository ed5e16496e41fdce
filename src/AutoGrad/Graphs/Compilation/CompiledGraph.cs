using AutoGrad.Graphs.Passes;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// An executable graph: called many times with new input values, it runs a fixed plan over buffers allocated once per
/// batch size (the first call at a batch size builds that plan): intermediate values share one arena per dtype at
/// offsets chosen from their live intervals, and outputs have buffers of their own. Every node runs its op's own kernel, prepared once per
/// batch size (<see cref="Ops.Op.Prepare"/>), so after that warm-up a call allocates no managed memory for ops whose
/// kernels need no scratch space (elementwise and fused chains, matmul, reductions over adjacent axes, reshape,
/// broadcast_to, the optimizer updates). Nodes that write state write into the captured tensors in place. Not
/// thread-safe: use one per thread.
/// </summary>
public sealed class CompiledGraph
{
    private readonly Dictionary<DimBindings, ExecutionPlan> plans = [];
    private ExecutionPlan? lastPlan;
    private DimBindings lastSizes;

    internal CompiledGraph(Graph graph) => Graph = graph;

    /// <summary>The (optimized) graph being run.</summary>
    public Graph Graph { get; }

    /// <summary>
    /// Runs the graph. The returned tensors are the executable's own buffers, overwritten by the next call: read them or
    /// <see cref="Tensor.Clone"/> them before calling again. Parameters are read at their current values. Inside
    /// <c>Graph.Trace</c>, or when an input requires grad, the graph's ops are recorded instead (fresh tensors), so a
    /// compiled graph composes into other graphs and can be differentiated.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong number of inputs, or an input of the wrong type; the message names the input and both types.</exception>
    public IReadOnlyList<Tensor> Run(params ReadOnlySpan<Tensor> inputs) =>
        Run(inputs, Graph.InferSizes(inputs, "CompiledGraph.Run"));

    /// <summary><see cref="Run(ReadOnlySpan{Tensor})"/> with the sizes the caller has already inferred from these inputs.</summary>
    internal IReadOnlyList<Tensor> Run(ReadOnlySpan<Tensor> inputs, DimBindings batch)
    {
        if (Graph.RecordsCalls(inputs))
        {
            // Inside a trace (or with inputs that require grad) the compiled graph's ops are recorded, so it is inlined
            // into the outer graph or differentiated, instead of its buffers being captured as constants.
            return Graph.Evaluate([.. inputs], batch, record: true);
        }

        // Training calls it at one batch size nearly always: the last plan is checked before the dictionary.
        if (lastPlan is null || !lastSizes.Equals(batch))
        {
            lastPlan = PlanAt(batch);
            lastSizes = batch;
        }

        return lastPlan.Execute(inputs);
    }

    /// <summary>The number of nodes the plan at these sizes evaluated once when it was built (building the plan if needed).</summary>
    internal int FixedNodeCount(DimBindings batch) => PlanAt(batch).FixedNodeCount;

    /// <summary>The memory plan used at a batch size or set of sizes (building the plan if needed).</summary>
    internal MemoryPlan MemoryPlan(DimBindings batch) => PlanAt(batch).Memory;

    private ExecutionPlan PlanAt(DimBindings batch)
    {
        if (!plans.TryGetValue(batch, out ExecutionPlan? plan))
        {
            plan = new ExecutionPlan(Graph, batch);
            plans[batch] = plan;
        }

        return plan;
    }
}
