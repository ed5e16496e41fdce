using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using AutoGrad.Graphs.Passes;
using AutoGrad.Ops;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Ops.Linear;
using AutoGrad.Ops.Reductions;

namespace AutoGrad.Graphs;

/// <summary>What a graph contains: nodes per op, parameter counts and a FLOPs estimate.</summary>
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
    /// Estimated floating-point operations of one run at <paramref name="batch"/>: 2·m·n·k per matrix product, one per
    /// output element for elementwise ops (per fused instruction for fused kernels), one per input element for reductions,
    /// nothing for reshape and broadcast_to, and one per output element for any other op.
    /// </summary>
    public long Flops(int batch = 1)
    {
        GraphInstance instance = GraphInstance.Create(graph, batch);
        long total = 0;
        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            Op op = instance.Ops[n];
            long outputSize = instance.Types[n].Shape.Size;
            total += op switch
            {
                MatMulOp m => 2 * outputSize * InputType(instance, n, 0).Shape[m.TransposeA ? -2 : -1],
                FusedElementwiseOp f => outputSize * f.Program.Length,
                UnaryElementwiseOp or BinaryElementwiseOp => outputSize,
                ReductionOp => InputType(instance, n, 0).Shape.Size,
                _ when op.Name is "reshape" or "broadcast_to" => 0,
                _ => outputSize,
            };
        }

        return total;
    }

    /// <summary>A table: node count, parameters, FLOPs at B=1 (and per extra example when the graph is batched), then nodes per op.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"nodes: {NodeCount}\n");
        text.Append(CultureInfo.InvariantCulture, $"parameters: {ParameterCount} in {ParameterTensors} tensor(s)\n");
        long one = Flops(1);
        text.Append(CultureInfo.InvariantCulture, $"flops (B=1): {one}\n");
        if (graph.IsSymbolic)
        {
            text.Append(CultureInfo.InvariantCulture, $"flops per extra example: {Flops(2) - one}\n");
        }

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
            _ => graph.TypeOf(r).Resolve(instance.Batch),
        };
    }
}

public sealed partial class Graph
{
    /// <summary>Nodes per op, parameter counts and a FLOPs estimate.</summary>
    public GraphSummary Summary() => new(this);
}
