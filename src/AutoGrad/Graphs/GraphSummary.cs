using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using AutoGrad.Ops;

namespace AutoGrad.Graphs;

/// <summary>What a graph contains: nodes per op, parameter counts, a FLOPs estimate and the planned activation memory.</summary>
public sealed class GraphSummary
{
    private readonly Graph graph;

    internal GraphSummary(Graph graph)
    {
        this.graph = graph;
        OpCounts = graph.Nodes.GroupBy(n => n.Op.Name).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToImmutableSortedDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        ParameterTensors = graph.Parameters.Length;
        ParameterCount = graph.Parameters.Sum(p => (long)p.Value.Size);
    }

    /// <summary>The number of nodes.</summary>
    public int NodeCount => graph.Nodes.Length;

    /// <summary>Nodes per op name, sorted by name.</summary>
    public ImmutableSortedDictionary<string, int> OpCounts { get; }

    /// <summary>The number of parameter tensors.</summary>
    public int ParameterTensors { get; }

    /// <summary>The number of scalar parameters (sum of the parameter sizes).</summary>
    public long ParameterCount { get; }

    /// <summary>
    /// Floating-point operations of one run at <paramref name="batch"/>: the sum of every node's <see cref="Op.Cost"/>
    /// (2·m·n·k per matrix product, 2·C·kH·kW per convolution output, one per element for elementwise ops and per input
    /// element for reductions, nothing for reshapes), as each op declares it.
    /// </summary>
    public long Flops(int batch = 1) => Cost(graph.UnitSizes(batch)).Flops;

    /// <summary>Floating-point operations of one run at the given sizes (a graph with named dimensions needs their sizes).</summary>
    public long Flops(DimBindings sizes) => Cost(sizes).Flops;

    /// <summary>Bytes every node reads and writes in one run at <paramref name="batch"/> (the sum of the nodes' <see cref="Op.Cost"/>).</summary>
    public long Bytes(int batch = 1) => Cost(graph.UnitSizes(batch)).Bytes;

    /// <summary>
    /// Bytes the compiled graph allocates for node results at <paramref name="batch"/>: the arena that holds every
    /// intermediate value at a planned offset (values whose live intervals do not intersect share bytes) plus the
    /// buffers of the graph outputs. Parameters, state and inputs are not counted, nor scratch space inside kernels.
    /// This graph is planned as it is; <c>Compile(optimize: true)</c> plans the optimized graph.
    /// </summary>
    public long PlannedMemoryBytes(int batch = 1) => Passes.MemoryPlanner.Plan(graph, graph.UnitSizes(batch)).PlannedBytes;

    private OpCost Cost(DimBindings batch)
    {
        GraphInstance instance = GraphInstance.Create(graph, batch);
        OpCost total = default;
        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            var inputs = new Tensors.TensorType[graph.Nodes[n].Inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                inputs[i] = InputType(instance, n, i);
            }

            total += instance.Ops[n].Cost(inputs, instance.Types[n]);
        }

        return total;
    }

    /// <summary>A table: node count, parameters, FLOPs at B=1 (and per extra example when the graph is batched), planned
    /// activation memory at B=1, then nodes per op; named dimensions are counted at size 1 too.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"nodes: {NodeCount}\n");
        text.Append(CultureInfo.InvariantCulture, $"parameters: {ParameterCount} in {ParameterTensors} tensor(s)\n");
        long one = Flops(1);
        string unit = graph.UnitSizes(1).ToString();
        text.Append(CultureInfo.InvariantCulture, $"flops ({unit}): {one}\n");
        if (graph.IsSymbolic)
        {
            text.Append(CultureInfo.InvariantCulture, $"flops per extra example: {Flops(2) - one}\n");
        }

        Passes.MemoryPlan plan = Passes.MemoryPlanner.Plan(graph, graph.UnitSizes(1));
        text.Append(CultureInfo.InvariantCulture, $"planned activation memory ({unit}): {plan.PlannedBytes} bytes (arena {plan.ArenaBytes}, outputs {plan.OutputBytes})\n");

        foreach (var (op, count) in OpCounts)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {op}: {count}\n");
        }

        return text.ToString();
    }

    private Tensors.TensorType InputType(GraphInstance instance, int node, int input)
    {
        ValueRef r = graph.Nodes[node].Inputs[input];
        return r.Kind switch
        {
            ValueKind.Node => instance.Types[r.Index],
            ValueKind.Constant => instance.Constants[r.Index].Type,
            _ => graph.TypeOf(r).Resolve(instance.Sizes),
        };
    }
}

public sealed partial class Graph
{
    /// <summary>Nodes per op, parameter counts, a FLOPs estimate and the planned activation memory.</summary>
    public GraphSummary Summary() => new(this);
}
