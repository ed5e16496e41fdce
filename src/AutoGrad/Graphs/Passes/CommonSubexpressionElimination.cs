using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// Merges nodes that apply the same op (<see cref="Ops.Op.IsEquivalentTo"/>, symbolic attributes included) to the same
/// inputs, and constants with the same type and values, so each value is computed once. Only pure ops are merged
/// (<see cref="Ops.OpEffect"/>): random ops draw anew at every application, and no merge reaches across an op that writes
/// state, since a value read after the write may differ from the same expression read before it. Merged-away nodes are
/// never emitted; constants left unused are dropped.
/// </summary>
internal static class CommonSubexpressionElimination
{
    private const int MaxComparedConstantSize = 1 << 16;

    /// <summary>Runs the pass.</summary>
    public static Graph Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var builder = new GraphBuilder(graph);
        var constantMap = new int[graph.Constants.Length];
        for (int i = 0; i < constantMap.Length; i++)
        {
            constantMap[i] = i;
            for (int j = 0; j < i; j++)
            {
                if (constantMap[j] == j && SameConstant(graph.Constants[i], graph.Constants[j]))
                {
                    constantMap[i] = j;
                    break;
                }
            }
        }

        var nodeMap = new ValueRef[graph.Nodes.Length];
        ValueRef Remap(ValueRef r) => r.Kind switch
        {
            ValueKind.Constant => ValueRef.Constant(constantMap[r.Index]),
            ValueKind.Node => nodeMap[r.Index],
            _ => r,
        };

        var seen = new Dictionary<string, List<int>>();
        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            GraphNode node = graph.Nodes[n];
            GraphNode remapped = node.WithInputs([.. node.Inputs.Select(Remap)]);
            if (node.Op.Effect == Ops.OpEffect.WritesState)
            {
                nodeMap[n] = builder.Add(remapped);
                seen.Clear();
                continue;
            }

            string key = remapped.Op.Name + "(" + string.Join(",", remapped.Inputs) + ")";
            bool pure = node.Op.Effect == Ops.OpEffect.Pure;
            if (pure && seen.TryGetValue(key, out var candidates))
            {
                int match = candidates.FindIndex(c => builder.Nodes[c].ComputesSameAs(remapped));
                if (match >= 0)
                {
                    nodeMap[n] = ValueRef.Node(candidates[match]);
                    continue;
                }
            }

            nodeMap[n] = builder.Add(remapped);
            if (!pure)
            {
                continue;
            }

            if (!seen.TryGetValue(key, out candidates))
            {
                seen[key] = candidates = [];
            }

            candidates.Add(nodeMap[n].Index);
        }

        return DeadCodeElimination.Run(builder.Build(graph.Outputs.Select(Remap)));
    }

    private static bool SameConstant(GraphConstant a, GraphConstant b)
    {
        if (ReferenceEquals(a.Value, b.Value) && a.Scaling == b.Scaling && a.Factor == b.Factor)
        {
            return true;
        }

        if (a.Value.Type != b.Value.Type || a.Scaling != b.Scaling || a.Factor != b.Factor || a.Value.Size > MaxComparedConstantSize)
        {
            return false;
        }

        return a.Value.DType switch
        {
            DType.Float32 => a.Value.AsSpan<float>().SequenceEqual(b.Value.AsSpan<float>()),
            DType.Float64 => a.Value.AsSpan<double>().SequenceEqual(b.Value.AsSpan<double>()),
            _ => a.Value.ToArray<long>().AsSpan().SequenceEqual(b.Value.ToArray<long>()),
        };
    }
}
