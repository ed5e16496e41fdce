using System.Collections.Immutable;
using AutoGrad.Graphs.Compilation;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// Fuses a large per-example value with the one node that reads it when both keep the examples apart: the
/// <see cref="ChunkFusedOp"/> computes the value a few examples at a time into a per-thread buffer and runs the reader on
/// each chunk while it is in cache, so the value itself never goes to memory. The case in point is a convolution followed
/// by max pooling at inference: the MNIST <c>cnn</c>'s first convolution writes 86 KB per image (11 MB at batch 128) that
/// the pooling reads once. <see cref="Graph.Compile"/> runs it after the standard passes, on graphs with a symbolic
/// batch size; <see cref="Graph.Optimize"/> does not, since the fused node has no ONNX counterpart to export.
/// </summary>
/// <remarks>
/// <para>Everything is read from the ops' traits, never their names: the value's node and its reader must each compute
/// row j of their output from row j of every input whose first extent is the batch size (and from the whole of their
/// other inputs), as their batching rules (<see cref="Op.BatchRule"/>) state; both are pure and change no shape attribute
/// with the batch size; no state write lies between them; the value is not a graph output, takes at least <see cref="MinBytesPerExample"/> per example,
/// and costs at most <see cref="MaxFlopsPerElement"/> per element (<see cref="Op.Cost"/>), so its kernel is bound by
/// memory rather than arithmetic and loses nothing by running on a few examples at a time.</para>
/// <para>A value read by two nodes (a training step's forward reader and its gradient) stays as it is: recomputing it
/// for the second reader was measured and gained nothing for the <c>cnn</c>'s step, since the convolution then runs twice
/// (docs/performance.md, "Chunk fusion").</para>
/// </remarks>
internal static class ChunkFusion
{
    /// <summary>Per-example bytes from which a value is worth not writing: 16 KB.</summary>
    internal const long MinBytesPerExample = 16 * 1024;

    /// <summary>Flops per element up to which a value's kernel is bound by memory (a convolution over one input channel is about 20).</summary>
    internal const double MaxFlopsPerElement = 32;

    // A batch size no fixed extent of a realistic model equals, at which the batching rules and costs are evaluated.
    private const int ProbeBatch = 1009;

    /// <summary>When false, the pass changes nothing (for benchmarks comparing the two in one run).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Runs the pass.</summary>
    public static Graph Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (!Enabled || graph.NamedDimensions.Count > 0 || !graph.Inputs.Any(i => i.Type.IsSymbolic))
        {
            return graph;
        }

        GraphInstance instance;
        try
        {
            instance = GraphInstance.Create(graph, ProbeBatch);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // The symbolic shapes do not hold at the probe size; nothing is proved, nothing changes.
            return graph;
        }

        int count = graph.Nodes.Length;
        // A value read once and not an output (FusionCounts counts an output twice) has exactly one reader node.
        int[] uses = FusionCounts.Uses(graph);
        int[] stateWritesBefore = FusionCounts.StateWritesBefore(graph);
        // Whether node n computes row j of its output from row j of each input whose first extent is the batch size (and
        // from the whole of each input with fixed extents), as its op's batching rule states: then any run of rows can be
        // computed on its own. Only the op's rule is asked, so a gradient node qualifies as well as a forward one.
        bool PerExample(int n)
        {
            GraphNode node = graph.Nodes[n];
            if (node.Type.Rank == 0 || node.Type.Dims[0] != Dim.B || node.Type.Dims.Count(d => d.IsSymbolic) != 1
                || node.Op.Effect != OpEffect.Pure || !node.SymbolicAttributes.IsEmpty || node.Op is ChunkFusedOp
                || node.Op.ReinterpretsInput || node.Op.AxisPermutation is not null || node.Op.IsBroadcast)
            {
                return false;
            }

            var dependences = new BatchDependence[node.Inputs.Length];
            var types = new TensorType[node.Inputs.Length];
            for (int i = 0; i < dependences.Length; i++)
            {
                if (RowsOf(node.Inputs[i]) is not { } rows)
                {
                    return false;
                }

                dependences[i] = rows ? BatchDependence.Rows(0) : BatchDependence.Shared;
                types[i] = BatchSplitAnalysis.TypeAt(graph, instance, node.Inputs[i], ProbeBatch);
            }

            return dependences.Any(d => d.Role == BatchRole.Rows)
                && instance.Ops[n].BatchRule(dependences, types, instance.Types[n]) == BatchDependence.Rows(0);
        }

        // True for a value whose first extent (only) is the batch size, false for one of fixed extents, null otherwise.
        bool? RowsOf(ValueRef r)
        {
            TensorSpec type = graph.TypeOf(r);
            int symbolic = type.Dims.Count(d => d.IsSymbolic);
            return symbolic == 0 ? false : symbolic == 1 && type.Rank > 0 && type.Dims[0] == Dim.B ? true : null;
        }

        long BytesPerExample(ValueRef r)
        {
            TensorType type = BatchSplitAnalysis.TypeAt(graph, instance, r, ProbeBatch);
            return (long)type.Shape.Size / ProbeBatch * type.DType.ElementSize();
        }

        // A node takes part in at most one fusion, as the producer or as the reader.
        var involved = new bool[count];
        var rewritten = new GraphNode?[count];
        var dropped = new bool[count];
        for (int p = 0; p < count; p++)
        {
            GraphNode producer = graph.Nodes[p];
            if (involved[p] || uses[p] != 1 || !PerExample(p) || !producer.Type.DType.IsFloatingPoint())
            {
                continue;
            }

            long bytes = BytesPerExample(ValueRef.Node(p));
            TensorType[] types = [.. producer.Inputs.Select(r => BatchSplitAnalysis.TypeAt(graph, instance, r, ProbeBatch))];
            TensorType valueType = instance.Types[p];
            double flopsPerElement = instance.Ops[p].Cost(types, valueType).Flops / (double)Math.Max(1, valueType.Shape.Size);
            int q = Reader(graph, p);
            // A state write between the two would let the fused producer read a parameter after its update.
            if (bytes < MinBytesPerExample || flopsPerElement > MaxFlopsPerElement || involved[q] || !PerExample(q)
                || stateWritesBefore[p] != stateWritesBefore[q])
            {
                continue;
            }

            rewritten[q] = Fuse(producer, p, graph.Nodes[q], r => RowsOf(r) == true);
            involved[p] = involved[q] = true;
            dropped[p] = true;
        }

        return dropped.Contains(true) ? GraphBuilder.Replace(graph, rewritten, dropped) : graph;
    }

    /// <summary>The first node after <paramref name="p"/> that reads it (nodes are in order, readers after producers).</summary>
    private static int Reader(Graph graph, int p)
    {
        int q = p + 1;
        while (!graph.Nodes[q].Inputs.Contains(ValueRef.Node(p)))
        {
            q++;
        }

        return q;
    }

    /// <summary>The reader <paramref name="consumer"/> with <paramref name="producer"/> (node <paramref name="p"/>) computed inside it.</summary>
    private static GraphNode Fuse(GraphNode producer, int p, GraphNode consumer, Func<ValueRef, bool> isRows)
    {
        // The producer's inputs first, then the reader's other inputs once each.
        var inputs = new List<ValueRef>(producer.Inputs);
        var operands = ImmutableArray.CreateBuilder<FusedOperand>(consumer.Inputs.Length);
        foreach (ValueRef r in consumer.Inputs)
        {
            if (r == ValueRef.Node(p))
            {
                operands.Add(new FusedOperand(true, 0));
                continue;
            }

            int index = inputs.IndexOf(r);
            if (index < 0)
            {
                inputs.Add(r);
                index = inputs.Count - 1;
            }

            operands.Add(new FusedOperand(false, index));
        }

        ImmutableArray<bool> rows = [.. inputs.Select(isRows)];
        var op = new ChunkFusedOp(producer.Op, producer.Inputs.Length, consumer.Op, operands.MoveToImmutable(), rows);
        return new GraphNode(op, [.. inputs], consumer.Type);
    }
}
