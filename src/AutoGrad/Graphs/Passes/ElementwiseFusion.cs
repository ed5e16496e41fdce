using System.Collections.Immutable;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// Fuses chains and trees of unary and binary elementwise ops into one <c>fused_elementwise</c> node each. A producer joins
/// its consumer's kernel when the consumer is its only reader (and it is not a graph output) and it has the consumer's type
/// or is a one-element value, so every intermediate lives only in a block- or tile-sized temporary (see
/// <see cref="FusedKernel"/>) and never touches memory. A group never spans an op that writes state.
/// </summary>
internal static class ElementwiseFusion
{
    /// <summary>Runs the pass.</summary>
    public static Graph Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int count = graph.Nodes.Length;
        int[] uses = FusionCounts.Uses(graph);
        int[] effectsBefore = FusionCounts.StateWritesBefore(graph);

        var root = new int[count];
        var members = new List<int>[count];
        for (int n = 0; n < count; n++)
        {
            root[n] = n;
            GraphNode node = graph.Nodes[n];
            // Fused kernels compute in floating point; integer arithmetic and comparisons (bool results) run on their own.
            if (!FusedElementwiseOp.IsFusable(node.Op, node.Inputs.Length) || !node.Type.DType.IsFloatingPoint())
            {
                continue;
            }

            members[n] = [n];
            foreach (ValueRef input in node.Inputs.Distinct())
            {
                if (input.Kind != ValueKind.Node || members[input.Index] is not { } producerGroup || root[input.Index] != input.Index)
                {
                    continue;
                }

                GraphNode producer = graph.Nodes[input.Index];
                bool single = uses[input.Index] == 1 || (uses[input.Index] == 2 && node.Inputs.Count(i => i == input) == 2);
                bool shapeFits = producer.Type.Equals(node.Type) || (!producer.Type.IsSymbolic && producer.Type.Size(1) == 1 && producer.Type.DType == node.Type.DType);
                bool noEffectBetween = effectsBefore[n] == effectsBefore[producerGroup.Min()];
                if (single && shapeFits && noEffectBetween)
                {
                    foreach (int m in producerGroup)
                    {
                        root[m] = n;
                    }

                    members[n].AddRange(producerGroup);
                    members[input.Index] = null!;
                }
            }
        }

        var builder = new GraphBuilder(graph);
        var nodeMap = new ValueRef[count];
        for (int n = 0; n < count; n++)
        {
            GraphNode node = graph.Nodes[n];
            if (root[n] != n)
            {
                continue;
            }

            if (members[n] is not { Count: > 1 } group)
            {
                nodeMap[n] = builder.Add(node.WithInputs([.. node.Inputs.Select(r => GraphBuilder.Map(r, nodeMap))]));
                continue;
            }

            group.Sort();
            var externals = new List<ValueRef>();
            var temporary = new Dictionary<int, int>();
            var program = ImmutableArray.CreateBuilder<FusedInstruction>(group.Count);
            foreach (int m in group)
            {
                GraphNode member = graph.Nodes[m];
                var operands = member.Inputs.Select(input =>
                {
                    if (input.Kind == ValueKind.Node && temporary.TryGetValue(input.Index, out int t))
                    {
                        return new FusedOperand(true, t);
                    }

                    ValueRef mapped = GraphBuilder.Map(input, nodeMap);
                    int x = externals.IndexOf(mapped);
                    if (x < 0)
                    {
                        externals.Add(mapped);
                        x = externals.Count - 1;
                    }

                    return new FusedOperand(false, x);
                }).ToImmutableArray();
                temporary[m] = program.Count;
                program.Add(new FusedInstruction(member.Op, operands));
            }

            nodeMap[n] = builder.Add(new GraphNode(new FusedElementwiseOp(program.MoveToImmutable()), [.. externals], node.Type));
        }

        return builder.Build(graph.Outputs.Select(r => GraphBuilder.Map(r, nodeMap)));
    }
}
