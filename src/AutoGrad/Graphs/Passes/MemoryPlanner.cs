using System.Collections.Immutable;
using System.Globalization;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>How a node's result gets its storage in a <see cref="MemoryPlan"/>.</summary>
internal enum BufferUse
{
    /// <summary>A buffer of its own for as long as the value lives (its arena bytes are reused by later values once it is dead).</summary>
    Allocated,

    /// <summary>It overwrites a same-size input whose last reader it is (elementwise ops only: each element is read before it is written).</summary>
    InPlace,

    /// <summary>A reshape of another node's result shares that result's buffer: no copy at all.</summary>
    Alias,
}

/// <summary>
/// One storage region of a <see cref="MemoryPlan"/>: a node result together with the reshapes that alias it and the
/// elementwise nodes that overwrite it in place. It is live from the step that first writes it to the last step that
/// reads any value in it (both inclusive: a kernel reads its inputs while it writes its output, so an input and the
/// output it feeds never share bytes unless the planner put them in one buffer on purpose).
/// </summary>
/// <param name="Type">The buffer as a flat type (<c>f32[n]</c>).</param>
/// <param name="Start">The index of the node that first writes it.</param>
/// <param name="End">The last node reading it; <see cref="int.MaxValue"/> when it holds a graph output.</param>
/// <param name="Offset">The byte offset in its dtype's arena; −1 for an output, which gets an array of its own.</param>
internal readonly record struct PlannedBuffer(TensorType Type, int Start, int End, long Offset)
{
    /// <summary>Whether it is a slice of an arena (outputs are not: they outlive the run that wrote them).</summary>
    public bool InArena => End != int.MaxValue;

    /// <summary>The size in bytes.</summary>
    public long Bytes => (long)Type.Shape.Size * Type.DType.ElementSize();
}

/// <summary>
/// Where every node result of a graph lives at one batch size. Liveness is the interval from a node to its last reader;
/// elementwise nodes write in place over an input that dies there, and reshapes alias their input, so such values share
/// one <see cref="PlannedBuffer"/>. Buffers that hold graph outputs get arrays of their own (the caller reads them
/// after the run); every other buffer is a slice of one arena per dtype, at an offset chosen by
/// <see cref="ArenaAllocator"/> so that buffers of any sizes reuse the bytes of buffers that are dead.
/// </summary>
internal sealed class MemoryPlan
{
    internal MemoryPlan(DimBindings batch, ImmutableArray<int> bufferOfNode, ImmutableArray<BufferUse> uses, ImmutableArray<int> lastUse,
        ImmutableArray<PlannedBuffer> buffers, ImmutableArray<(DType DType, long Bytes)> arenas, long unplannedBytes)
    {
        Sizes = batch;
        BufferOfNode = bufferOfNode;
        Uses = uses;
        LastUse = lastUse;
        Buffers = buffers;
        Arenas = arenas;
        UnplannedBytes = unplannedBytes;
        ArenaBytes = arenas.Sum(a => a.Bytes);
        OutputBytes = buffers.Where(b => !b.InArena).Sum(b => b.Bytes);
    }

    /// <summary>The sizes the plan is for.</summary>
    public DimBindings Sizes { get; }

    /// <summary>The batch size the plan is for.</summary>
    public int Batch => Sizes.Batch;

    /// <summary>The buffer index of each node's result.</summary>
    public ImmutableArray<int> BufferOfNode { get; }

    /// <summary>How each node's result got its buffer.</summary>
    public ImmutableArray<BufferUse> Uses { get; }

    /// <summary>For each node, the index of the last node reading its result (<see cref="int.MaxValue"/> for outputs, −1 when unread).</summary>
    public ImmutableArray<int> LastUse { get; }

    /// <summary>The storage regions, in the order of the nodes that first write them.</summary>
    public ImmutableArray<PlannedBuffer> Buffers { get; }

    /// <summary>The size in bytes of the arena of each dtype that has one, in dtype order.</summary>
    public ImmutableArray<(DType DType, long Bytes)> Arenas { get; }

    /// <summary>The bytes of all arenas: the peak memory of the intermediate values.</summary>
    public long ArenaBytes { get; }

    /// <summary>The bytes of the buffers holding graph outputs.</summary>
    public long OutputBytes { get; }

    /// <summary>The bytes the plan allocates: the arenas plus the outputs' buffers.</summary>
    public long PlannedBytes => ArenaBytes + OutputBytes;

    /// <summary>The bytes one buffer per node would take.</summary>
    public long UnplannedBytes { get; }

    /// <summary>The number of nodes that run in place.</summary>
    public int InPlaceCount => Uses.Count(u => u == BufferUse.InPlace);

    /// <summary>The number of reshapes that alias their input.</summary>
    public int AliasCount => Uses.Count(u => u == BufferUse.Alias);

    /// <summary>One line: buffers, bytes planned (arena and outputs) vs unplanned, in-place and alias counts.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(Sizes.HasNamed ? Sizes.ToString() : "batch " + Batch)}: {Buffers.Length} buffers, {PlannedBytes} bytes ({ArenaBytes} arena, {OutputBytes} outputs; vs {UnplannedBytes} unplanned), {InPlaceCount} in place, {AliasCount} aliases");
}

/// <summary>Plans buffers for a graph's node results: liveness intervals, in-place execution and aliasing where they are safe, and arena offsets.</summary>
internal static class MemoryPlanner
{
    /// <summary>Plans the graph at a batch size.</summary>
    public static MemoryPlan Plan(Graph graph, DimBindings batch)
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
        var bufferStart = new List<int>();
        var bufferEnd = new List<int>();
        long unplanned = 0;
        for (int n = 0; n < count; n++)
        {
            GraphNode node = graph.Nodes[n];
            TensorType type = instance.Types[n];
            unplanned += (long)type.Shape.Size * type.DType.ElementSize();
            int buffer;
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
            else
            {
                buffer = bufferTypes.Count;
                bufferTypes.Add(new TensorType(new Shape(type.Shape.Size), type.DType));
                bufferStart.Add(n);
                bufferEnd.Add(-1);
                uses[n] = BufferUse.Allocated;
            }

            bufferOf[n] = buffer;
            // A value never read dies at once; the buffer lives until the last reader of any value in it.
            bufferEnd[buffer] = Math.Max(bufferEnd[buffer], Math.Max(lastUse[n], n));
        }

        // Offsets are chosen per dtype once every interval is known; buffers holding outputs stay out of the arenas.
        var offsets = Enumerable.Repeat(-1L, bufferTypes.Count).ToArray();
        var arenas = new List<(DType, long)>();
        foreach (DType dtype in bufferTypes.Select(t => t.DType).Distinct().Order())
        {
            int[] members = [.. Enumerable.Range(0, bufferTypes.Count).Where(b => bufferTypes[b].DType == dtype && bufferEnd[b] != int.MaxValue)];
            if (members.Length == 0)
            {
                continue;
            }

            var (placed, size) = ArenaAllocator.Place([.. members.Select(b =>
                new LiveBlock((long)bufferTypes[b].Shape.Size * dtype.ElementSize(), bufferStart[b], bufferEnd[b]))]);
            for (int i = 0; i < members.Length; i++)
            {
                offsets[members[i]] = placed[i];
            }

            arenas.Add((dtype, size));
        }

        ImmutableArray<PlannedBuffer> buffers = [.. Enumerable.Range(0, bufferTypes.Count)
            .Select(b => new PlannedBuffer(bufferTypes[b], bufferStart[b], bufferEnd[b], offsets[b]))];
        return new MemoryPlan(instance.Sizes, [.. bufferOf], [.. uses], [.. lastUse], buffers, [.. arenas], unplanned);
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
