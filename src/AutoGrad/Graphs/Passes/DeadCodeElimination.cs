using System.Collections.Immutable;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// Removes nodes no output depends on, and parameters and constants no remaining node or output reads. Nodes that write
/// state (<see cref="Ops.OpEffect.WritesState"/>) are kept with everything they read: their effect is a result too.
/// Inputs are kept: they are the graph's signature.
/// </summary>
internal static class DeadCodeElimination
{
    /// <summary>Runs the pass.</summary>
    public static Graph Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        bool[] live = new bool[graph.Nodes.Length];
        foreach (ValueRef output in graph.Outputs.Where(o => o.Kind == ValueKind.Node))
        {
            live[output.Index] = true;
        }

        for (int n = graph.Nodes.Length - 1; n >= 0; n--)
        {
            if (graph.Nodes[n].Op.Effect == Ops.OpEffect.WritesState)
            {
                live[n] = true;
            }

            if (live[n])
            {
                foreach (ValueRef input in graph.Nodes[n].Inputs.Where(i => i.Kind == ValueKind.Node))
                {
                    live[input.Index] = true;
                }
            }
        }

        var used = graph.Nodes.Where((_, n) => live[n]).SelectMany(node => node.Inputs).Concat(graph.Outputs).ToHashSet();
        int[] parameterMap = Compact(graph.Parameters.Length, i => used.Contains(ValueRef.Parameter(i)));
        int[] constantMap = Compact(graph.Constants.Length, i => used.Contains(ValueRef.Constant(i)));
        int[] nodeMap = Compact(graph.Nodes.Length, n => live[n]);

        ValueRef Remap(ValueRef r) => r.Kind switch
        {
            ValueKind.Parameter => ValueRef.Parameter(parameterMap[r.Index]),
            ValueKind.Constant => ValueRef.Constant(constantMap[r.Index]),
            ValueKind.Node => ValueRef.Node(nodeMap[r.Index]),
            _ => r,
        };

        return new Graph(
            graph.Inputs,
            [.. graph.Parameters.Where((_, i) => parameterMap[i] >= 0)],
            [.. graph.Constants.Where((_, i) => constantMap[i] >= 0)],
            [.. graph.Nodes.Where((_, n) => live[n]).Select(node => node.WithInputs([.. node.Inputs.Select(Remap)]))],
            [.. graph.Outputs.Select(Remap)],
            graph.OutputNames);
    }

    private static int[] Compact(int count, Func<int, bool> keep)
    {
        var map = new int[count];
        int next = 0;
        for (int i = 0; i < count; i++)
        {
            map[i] = keep(i) ? next++ : -1;
        }

        return map;
    }
}
