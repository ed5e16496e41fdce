using System.Collections.Immutable;
using System.Globalization;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>How a node's result gets its storage in a <see cref="MemoryPlan"/>.</summary>
internal enum BufferUse
{
    /// <summary>A buffer of its own for as long as the value lives (reused by later values once it is dead).</summary>
    Allocated,

    /// <summary>It overwrites a same-size input whose last reader it is (elementwise ops only: each element is read before it is written).</summary>
    InPlace,

    /// <summary>A reshape of another node's result shares that result's buffer: no copy at all.</summary>
    Alias,
}

/// <summary>
/// Where every node result of a graph lives at one batch size: buffers are reused once every value in them is dead
/// (liveness = index of the last reader; outputs live forever), elementwise nodes write in place over an input that dies
/// there, and reshapes alias their input. Buffers are matched by dtype and element count.
/// </summary>
internal sealed class MemoryPlan
{
    internal MemoryPlan(int batch, ImmutableArray<int> bufferOfNode, ImmutableArray<BufferUse> uses, ImmutableArray<int> lastUse,
        ImmutableArray<TensorType> bufferTypes, long unplannedBytes)
    {
        Batch = batch;
        BufferOfNode = bufferOfNode;
        Uses = uses;
        LastUse = lastUse;
        BufferTypes = bufferTypes;
        UnplannedBytes = unplannedBytes;
        PlannedBytes = bufferTypes.Sum(t => (long)t.Shape.Size * t.DType.ElementSize());
    }

    /// <summary>The batch size the plan is for.</summary>
    public int Batch { get; }

    /// <summary>The buffer index of each node's result.</summary>
    public ImmutableArray<int> BufferOfNode { get; }

    /// <summary>How each node's result got its buffer.</summary>
    public ImmutableArray<BufferUse> Uses { get; }

    /// <summary>For each node, the index of the last node reading its result (<see cref="int.MaxValue"/> for outputs, −1 when unread).</summary>
    public ImmutableArray<int> LastUse { get; }

    /// <summary>Each buffer's size as a flat type (<c>f32[n]</c>).</summary>
    public ImmutableArray<TensorType> BufferTypes { get; }

    /// <summary>The bytes of all buffers.</summary>
    public long PlannedBytes { get; }

    /// <summary>The bytes one buffer per node would take.</summary>
    public long UnplannedBytes { get; }

    /// <summary>The number of nodes that run in place.</summary>
    public int InPlaceCount => Uses.Count(u => u == BufferUse.InPlace);

    /// <summary>The number of reshapes that alias their input.</summary>
    public int AliasCount => Uses.Count(u => u == BufferUse.Alias);

    /// <summary>One line: buffers, bytes planned vs unplanned, in-place and alias counts.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"batch {Batch}: {BufferTypes.Length} buffers, {PlannedBytes} bytes (vs {UnplannedBytes} unplanned), {InPlaceCount} in place, {AliasCount} aliases");
}

/// <summary>Plans buffers for a graph's node results: liveness analysis, buffer reuse and in-place execution where it is safe.</summary>
internal static class MemoryPlanner
{
    /// <summary>Plans the graph at a batch size.</summary>
    public static MemoryPlan Plan(Graph graph, int batch = 1)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return Plan(graph, GraphInstance.Create(graph, batch));
    }

    internal static MemoryPlan Plan(Graph graph, GraphInstance instance)
    {
        int count = graph.Nodes.Length;
        var lastUse = Enumerable.Repeat(-1, count).ToArray();
        for (int n = 0; n < count; n++)
        {
            foreach (ValueRef input in graph.Nodes[n].Inputs.Where(i => i.Kind == ValueKind.Node))
            {
                lastUse[input.Index] = Math.Max(lastUse[input.Index], n);
            }
        }

        foreach (ValueRef output in graph.Outputs.Where(o => o.Kind == ValueKind.Node))
        {
            lastUse[output.Index] = int.MaxValue;
        }

        var bufferOf = new int[count];
        var uses = new BufferUse[count];
        var bufferTypes = new List<TensorType>();
        var bufferEnd = new List<int>();
        var free = new Dictionary<(DType, int), Stack<int>>();
        long unplanned = 0;
        for (int n = 0; n < count; n++)
        {
            GraphNode node = graph.Nodes[n];
            TensorType type = instance.Types[n];
            unplanned += (long)type.Shape.Size * type.DType.ElementSize();
            int buffer = -1;
            if (node.Op.ReinterpretsInput && node.Inputs[0].Kind == ValueKind.Node)
            {
                buffer = bufferOf[node.Inputs[0].Index];
                uses[n] = BufferUse.Alias;
            }
            else if (InPlaceCandidate(graph, instance, n, bufferOf, bufferEnd) is int reused)
            {
                buffer = reused;
                uses[n] = BufferUse.InPlace;
            }
            else if (free.TryGetValue((type.DType, type.Shape.Size), out var pool) && pool.Count > 0)
            {
                buffer = pool.Pop();
                uses[n] = BufferUse.Allocated;
            }
            else
            {
                buffer = bufferTypes.Count;
                bufferTypes.Add(new TensorType(new Shape(type.Shape.Size), type.DType));
                bufferEnd.Add(-1);
                uses[n] = BufferUse.Allocated;
            }

            bufferOf[n] = buffer;
            // A value never read dies at once; the buffer lives until the last reader of any value in it.
            bufferEnd[buffer] = Math.Max(bufferEnd[buffer], Math.Max(lastUse[n], n));

            // Release after choosing this node's buffer, so only elementwise in-place ever shares with a dying input.
            for (int b = 0; b < bufferEnd.Count; b++)
            {
                if (bufferEnd[b] == n)
                {
                    TensorType t = bufferTypes[b];
                    if (!free.TryGetValue((t.DType, t.Shape.Size), out var stack))
                    {
                        free[(t.DType, t.Shape.Size)] = stack = new Stack<int>();
                    }

                    stack.Push(b);
                    bufferEnd[b] = -2;
                }
            }
        }

        return new MemoryPlan(instance.Batch, [.. bufferOf], [.. uses], [.. lastUse], [.. bufferTypes], unplanned);
    }

    private static int? InPlaceCandidate(Graph graph, GraphInstance instance, int n, int[] bufferOf, List<int> bufferEnd)
    {
        GraphNode node = graph.Nodes[n];
        if (node.Op is not FusedElementwiseOp && !FusedElementwiseOp.IsFusable(node.Op, node.Inputs.Length))
        {
            return null;
        }

        TensorType type = instance.Types[n];
        foreach (ValueRef input in node.Inputs)
        {
            if (input.Kind == ValueKind.Node
                && instance.Types[input.Index].Shape.Size == type.Shape.Size
                && instance.Types[input.Index].DType == type.DType
                && bufferEnd[bufferOf[input.Index]] == n)
            {
                return bufferOf[input.Index];
            }
        }

        return null;
    }
}
