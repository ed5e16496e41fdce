using System.Collections.Immutable;
using AutoGrad.Graphs.Passes;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Compilation;

/// <summary>A graph compiled for one batch size: an arena per dtype and the outputs' buffers allocated per the memory plan, one step per node running the op's
/// own prepared kernel (none for aliasing reshapes), and the list of argument slots to rebind to the caller's inputs on
/// each call.</summary>
internal sealed class ExecutionPlan
{
    private readonly ExecutionStep[] steps;
    private readonly (Tensor[] Arguments, int Slot, int Input)[] inputBindings;
    private readonly Tensor[] outputs;
    private readonly int[] outputInputs;
    private readonly bool keepWarm;

    /// <summary>
    /// The least work, in flops by the ops' declared costs, of a plan that keeps the worker threads spinning while it runs
    /// (<see cref="Kernels.Parallelism.KeepWarm"/>): 4 MFLOP, the size from which one product or update could split over two
    /// warm cores. A smaller plan (an XOR step: a microsecond) would pay more to wake a parked worker than it could gain.
    /// </summary>
    internal const double WarmFlops = 4e6;

    public ExecutionPlan(Graph graph, DimBindings batch)
    {
        GraphInstance instance = GraphInstance.Create(graph, batch);
        Memory = MemoryPlanner.Plan(graph, instance);
        // One array per dtype holds every intermediate value at its planned offset; outputs get arrays of their own, so
        // the tensors returned to the caller are never overwritten by a later step of the same run.
        // The arena starts on a cache line, so the planner's 64-byte offsets are 64-byte addresses.
        var arenas = Memory.Arenas.ToDictionary(a => a.DType, a =>
        {
            Array data = a.DType.AllocateAligned(checked((int)(a.Bytes / a.DType.ElementSize())), out int start);
            return (Data: data, Start: start);
        });
        (Array Data, int Offset)[] buffers = [.. Memory.Buffers.Select(b => b.InArena
            ? (arenas[b.Type.DType].Data, arenas[b.Type.DType].Start + checked((int)(b.Offset / b.Type.DType.ElementSize())))
            : (b.Type.DType.Allocate(b.Type.Shape.Size), 0))];
        var values = new Tensor[graph.Nodes.Length];
        for (int n = 0; n < values.Length; n++)
        {
            var (data, offset) = buffers[Memory.BufferOfNode[n]];
            values[n] = new Tensor(data, offset, instance.Types[n].Shape);
        }

        // Placeholders stand in for graph inputs while steps are built (kernels precompute from their types); the real
        // input tensors are bound into the argument arrays on every call.
        Tensor[] placeholders = [.. graph.Inputs.Select(i => new Tensor(i.Type.Resolve(batch)))];
        var fixedValues = new Tensor?[values.Length];
        Tensor Read(ValueRef r) => r.Kind switch
        {
            ValueKind.Input => placeholders[r.Index],
            ValueKind.Parameter => graph.Parameters[r.Index].Value,
            ValueKind.Constant => instance.Constants[r.Index],
            _ => fixedValues[r.Index] ?? values[r.Index],
        };

        // Values fixed once the sizes are: computed here, once, instead of on every run (a loss's 1/B and its broadcast).
        bool[] isFixed = FixedAtThisSize(graph, instance, Memory);
        FixedNodeCount = isFixed.Count(f => f);
        for (int n = 0; n < values.Length; n++)
        {
            if (isFixed[n])
            {
                var value = new Tensor(instance.Types[n]);
                instance.Ops[n].Forward([.. graph.Nodes[n].Inputs.Select(Read)], value);
                fixedValues[n] = value;
            }
        }

        var stepList = new List<ExecutionStep>();
        var bindings = new List<(Tensor[], int, int)>();
        double flops = 0;
        for (int n = 0; n < values.Length; n++)
        {
            if (isFixed[n] || Memory.Uses[n] == BufferUse.Alias)
            {
                continue;
            }

            GraphNode node = graph.Nodes[n];
            Tensor[] arguments = [.. node.Inputs.Select(Read)];
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                if (node.Inputs[i].Kind == ValueKind.Input)
                {
                    bindings.Add((arguments, i, node.Inputs[i].Index));
                }
            }

            stepList.Add(new ExecutionStep(instance.Ops[n], arguments, values[n]));
            flops += instance.Ops[n].Cost([.. arguments.Select(a => a.Type)], instance.Types[n]).Flops;
        }

        steps = [.. stepList];
        keepWarm = flops >= WarmFlops;
        inputBindings = [.. bindings];
        outputs = [.. graph.Outputs.Select(Read)];
        outputInputs = [.. graph.Outputs.Select(o => o.Kind == ValueKind.Input ? o.Index : -1)];
    }

    public MemoryPlan Memory { get; }

    /// <summary>The number of nodes evaluated once when the plan was built rather than on every run.</summary>
    internal int FixedNodeCount { get; }

    /// <summary>
    /// The nodes whose values are fixed at these sizes: pure ops (by their declared effect) that read only constants —
    /// the batch size among them, which graph-level folding cannot use — or other fixed values, and are not graph
    /// outputs (whose buffers the caller owns until the next run).
    /// </summary>
    /// <remarks>
    /// A fixed value lives in a tensor of its own, not in its planned buffer. A view that still runs as a step reads its
    /// source's planned buffer, so a source viewed by such a step is not fixed; that can unfix the values it reads in
    /// turn, so the marking repeats until nothing changes.
    /// </remarks>
    private static bool[] FixedAtThisSize(Graph graph, GraphInstance instance, MemoryPlan memory)
    {
        int count = graph.Nodes.Length;
        var isFixed = new bool[count];
        var blocked = new bool[count];
        var outputs = new HashSet<int>(graph.Outputs.Where(o => o.Kind == ValueKind.Node).Select(o => o.Index));
        bool changed = true;
        while (changed)
        {
            for (int n = 0; n < count; n++)
            {
                isFixed[n] = !blocked[n] && !outputs.Contains(n) && instance.Ops[n].Effect == Ops.OpEffect.Pure
                    && graph.Nodes[n].Inputs.All(r => r.Kind == ValueKind.Constant || (r.Kind == ValueKind.Node && isFixed[r.Index]));
            }

            changed = false;
            for (int n = 0; n < count; n++)
            {
                if (isFixed[n] || memory.Uses[n] != BufferUse.Alias)
                {
                    continue;
                }

                foreach (ValueRef r in graph.Nodes[n].Inputs)
                {
                    if (r.Kind == ValueKind.Node && isFixed[r.Index] && memory.BufferOfNode[r.Index] == memory.BufferOfNode[n])
                    {
                        blocked[r.Index] = true;
                        changed = true;
                    }
                }
            }
        }

        return isFixed;
    }

    /// <summary>Runs every step on the inputs; the returned array is reused by the next call.</summary>
    public Tensor[] Execute(ReadOnlySpan<Tensor> inputs)
    {
        foreach (var (arguments, slot, input) in inputBindings)
        {
            arguments[slot] = inputs[input];
        }

        // A compiled step runs its kernels back to back, so holding the workers spinning for its length lets products
        // and updates of a few MFLOP split over the cores (a parked worker's wake-up would cost more than they save).
        using (keepWarm ? Kernels.Parallelism.KeepWarm() : default)
        {
            foreach (ExecutionStep step in steps)
            {
                step.Execute();
            }
        }

        for (int i = 0; i < outputInputs.Length; i++)
        {
            if (outputInputs[i] >= 0)
            {
                outputs[i] = inputs[outputInputs[i]];
            }
        }

        return outputs;
    }
}
