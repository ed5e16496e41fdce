using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// Whether a traced loss-and-gradient graph may run as row blocks of its batch whose gradients are then combined: proved
/// from the graph with its symbolic batch axis and the ops' batching rules (<see cref="Op.BatchRule"/>), never from op
/// names. The split is valid when every graph input carries the examples along axis 0, every op keeps the examples apart
/// until a sum or mean over them, the loss (output 0) is such a sum or mean (plus and times shared values, for a mean), the
/// other outputs carry the examples along axis 0 (predictions, re-joined by rows), and no op draws random numbers or
/// writes state (a dropout mask or BatchNorm's running statistics would differ between the blocks and the whole).
/// </summary>
internal sealed class BatchSplitAnalysis
{
    // Two batch sizes that no fixed extent of a realistic model equals, so a rule that compares extents cannot mistake a
    // fixed axis for the examples' axis at both.
    private const int ProbeBatch1 = 1009;
    private const int ProbeBatch2 = 1013;

    private BatchSplitAnalysis(string? reason, BatchRole lossRole, double flopsPerRow, long bytesPerRow)
    {
        Reason = reason;
        LossRole = lossRole;
        FlopsPerRow = flopsPerRow;
        BytesPerRow = bytesPerRow;
    }

    /// <summary>Whether the batch may be split into row blocks.</summary>
    public bool IsSplittable => Reason is null;

    /// <summary>Why the batch may not be split (naming the node), or null when it may.</summary>
    public string? Reason { get; }

    /// <summary><see cref="BatchRole.SumOverBatch"/> (the blocks' losses and gradients add up) or
    /// <see cref="BatchRole.MeanOverBatch"/> (they are weighted by n_k/B).</summary>
    public BatchRole LossRole { get; }

    /// <summary>The work of the whole graph (forward and backward) per example, from the ops' <see cref="Op.Cost"/>.</summary>
    public double FlopsPerRow { get; }

    /// <summary>The bytes of one example's rows of the graph inputs that carry the batch axis: what a row block reads
    /// from the caller's data, and reads again in the backward pass while it is still in cache.</summary>
    public long BytesPerRow { get; }

    /// <summary>Analyses a graph whose outputs are the loss, then <paramref name="rowOutputs"/> per-example outputs, then
    /// gradients (which are not analysed: they follow from the loss).</summary>
    public static BatchSplitAnalysis Analyze(Graph graph, int rowOutputs)
    {
        if (graph.NamedDimensions.Count > 0)
        {
            // Row blocks are proved for the batch alone; a named size (a sequence length) would need the same proof per size.
            return new BatchSplitAnalysis($"the inputs have named dimensions ({string.Join(", ", graph.NamedDimensions)})", BatchRole.Shared, 0, 0);
        }

        try
        {
            return AnalyzeAtProbeSizes(graph, rowOutputs);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // The graph's symbolic shapes do not hold at the probe batch sizes: it cannot be proved splittable, and the
            // unsplit step (traced and checked separately) is unaffected.
            return new BatchSplitAnalysis($"the graph cannot be instantiated at other batch sizes ({ex.Message})", BatchRole.Shared, 0, 0);
        }
    }

    private static BatchSplitAnalysis AnalyzeAtProbeSizes(Graph graph, int rowOutputs)
    {
        double flopsPerRow = (Flops(graph, ProbeBatch2) - Flops(graph, ProbeBatch1)) / (double)(ProbeBatch2 - ProbeBatch1);
        string? reason = Check(graph, rowOutputs, ProbeBatch1, out BatchRole role);
        if (reason is null)
        {
            reason = Check(graph, rowOutputs, ProbeBatch2, out BatchRole second);
            if (reason is null && second != role)
            {
                reason = "the loss's dependence on the batch differs between batch sizes";
            }
        }

        long bytesPerRow = graph.Inputs.Where(i => i.Type.IsSymbolic).Sum(i => (long)i.Type.Resolve(1).Shape.Size * i.Type.DType.ElementSize());
        return new BatchSplitAnalysis(reason, role, flopsPerRow, bytesPerRow);
    }

    private static double Flops(Graph graph, int batch)
    {
        GraphInstance instance = GraphInstance.Create(graph, batch);
        double flops = 0;
        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            GraphNode node = graph.Nodes[n];
            var types = new TensorType[node.Inputs.Length];
            for (int i = 0; i < types.Length; i++)
            {
                types[i] = TypeAt(graph, instance, node.Inputs[i], batch);
            }

            flops += instance.Ops[n].Cost(types, instance.Types[n]).Flops;
        }

        return flops;
    }

    /// <summary>The type of a value of <paramref name="graph"/> in <paramref name="instance"/> (made at batch size <paramref name="batch"/>).</summary>
    internal static TensorType TypeAt(Graph graph, GraphInstance instance, ValueRef r, int batch) => r.Kind switch
    {
        ValueKind.Input => graph.Inputs[r.Index].Type.Resolve(batch),
        ValueKind.Parameter => graph.Parameters[r.Index].Value.Type,
        ValueKind.Constant => instance.Constants[r.Index].Type,
        _ => instance.Types[r.Index],
    };

    private static string? Check(Graph graph, int rowOutputs, int batch, out BatchRole lossRole)
    {
        lossRole = BatchRole.Shared;
        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            // Checked over the whole graph: a state write need not feed the loss (running statistics do not).
            OpEffect effect = graph.Nodes[n].Op.Effect;
            if (effect != OpEffect.Pure)
            {
                return $"node {n} ('{graph.Nodes[n].Op.Name}') {(effect == OpEffect.Random ? "draws random numbers" : "writes state")}, which row blocks would do differently from one batch";
            }
        }

        var dependence = new BatchDependence[graph.Inputs.Length];
        for (int i = 0; i < dependence.Length; i++)
        {
            var dims = graph.Inputs[i].Type.Dims;
            int symbolic = dims.Count(d => d.IsSymbolic);
            if (symbolic == 0)
            {
                dependence[i] = BatchDependence.Shared;
            }
            else if (symbolic == 1 && dims[0] == Dim.B)
            {
                dependence[i] = BatchDependence.Rows(0);
            }
            else
            {
                return $"input {i} ({graph.Inputs[i].Type}) does not carry the examples along its first axis alone";
            }
        }

        // Only what the loss and the per-example outputs depend on: the gradient nodes mix the examples by design.
        int forwardOutputs = 1 + rowOutputs;
        bool[] needed = new bool[graph.Nodes.Length];
        for (int o = 0; o < forwardOutputs; o++)
        {
            if (graph.Outputs[o].Kind == ValueKind.Node)
            {
                needed[graph.Outputs[o].Index] = true;
            }
        }

        for (int n = graph.Nodes.Length - 1; n >= 0; n--)
        {
            if (needed[n])
            {
                foreach (ValueRef r in graph.Nodes[n].Inputs)
                {
                    if (r.Kind == ValueKind.Node)
                    {
                        needed[r.Index] = true;
                    }
                }
            }
        }

        GraphInstance instance = GraphInstance.Create(graph, batch);
        var nodes = new BatchDependence[graph.Nodes.Length];
        BatchDependence Of(ValueRef r) => r.Kind switch
        {
            ValueKind.Input => dependence[r.Index],
            ValueKind.Parameter => BatchDependence.Shared,
            ValueKind.Constant => graph.Constants[r.Index].Scaling switch
            {
                ConstantScaling.TimesBatch => new BatchDependence(BatchRole.BatchSize),
                ConstantScaling.PerBatch => new BatchDependence(BatchRole.InverseBatchSize),
                _ => BatchDependence.Shared,
            },
            _ => nodes[r.Index],
        };

        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            if (!needed[n])
            {
                continue;
            }

            GraphNode node = graph.Nodes[n];
            var inputs = new BatchDependence[node.Inputs.Length];
            var types = new TensorType[node.Inputs.Length];
            bool shared = true;
            for (int i = 0; i < inputs.Length; i++)
            {
                inputs[i] = Of(node.Inputs[i]);
                types[i] = TypeAt(graph, instance, node.Inputs[i], batch);
                shared &= inputs[i].Role == BatchRole.Shared;
            }

            BatchDependence? rule = shared ? BatchDependence.Shared : instance.Ops[n].BatchRule(inputs, types, instance.Types[n]);
            if (rule is not BatchDependence d)
            {
                return $"node {n} ('{node.Op.Name}') mixes the examples of the batch (or declares no batching rule)";
            }

            nodes[n] = d;
        }

        BatchDependence loss = Of(graph.Outputs[0]);
        if (!loss.IsAggregate)
        {
            return $"the loss is not a sum or mean over the examples of per-example terms (it is {loss.Role})";
        }

        for (int o = 1; o < forwardOutputs; o++)
        {
            if (Of(graph.Outputs[o]) != BatchDependence.Rows(0))
            {
                return $"output {o} does not carry the examples along its first axis";
            }
        }

        lossRole = loss.Role;
        return null;
    }
}
