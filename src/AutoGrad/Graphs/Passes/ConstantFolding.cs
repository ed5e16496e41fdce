using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// Evaluates, once, every pure node that reads only fixed constants (not parameters, which change between runs, and not
/// batch-dependent scalars) and replaces it with its value. Random and state-writing ops are never folded. A broadcast
/// that would turn a small constant into a large one is left alone: the consumer broadcasts the small constant itself.
/// </summary>
internal static class ConstantFolding
{
    /// <summary>Runs the pass.</summary>
    public static Graph Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var builder = new GraphBuilder(graph);
        var nodeMap = new ValueRef[graph.Nodes.Length];
        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            GraphNode node = graph.Nodes[n];
            GraphNode remapped = node.WithInputs([.. node.Inputs.Select(r => GraphBuilder.Map(r, nodeMap))]);
            Tensor?[] values = [.. remapped.Inputs.Select(builder.FixedConstant)];
            bool foldable = values.All(v => v is not null)
                && !node.Type.IsSymbolic
                && node.SymbolicAttributes.IsEmpty
                && node.Op.Effect == Ops.OpEffect.Pure
                && !(node.Op.IsBroadcast && node.Type.Size(1) > values[0]!.Size);
            if (!foldable)
            {
                nodeMap[n] = builder.Add(remapped);
                continue;
            }

            var result = new Tensor(node.Type.Resolve(1));
            node.Op.Forward([.. values.Select(v => v!)], result);
            nodeMap[n] = builder.AddConstant(result);
        }

        return DeadCodeElimination.Run(builder.Build(graph.Outputs.Select(r => GraphBuilder.Map(r, nodeMap))));
    }
}
