using AutoGrad.Ops;

namespace AutoGrad.Graphs.Passes;

/// <summary>What the fusion passes need to know before merging a node into its consumer.</summary>
internal static class FusionCounts
{
    /// <summary>
    /// How many times each node's value is read; a graph output counts twice, so that an output is never absorbed into a
    /// consumer's kernel (its value must stay in memory).
    /// </summary>
    public static int[] Uses(Graph graph)
    {
        var uses = new int[graph.Nodes.Length];
        foreach (ValueRef r in graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs).Concat(graph.Outputs))
        {
            if (r.Kind == ValueKind.Node)
            {
                uses[r.Index]++;
            }
        }

        return uses;
    }

    /// <summary>
    /// Element n is how many nodes before node n write state. Two nodes with the same count have no state write between
    /// them, so fusing them cannot move a read of a parameter past its update.
    /// </summary>
    public static int[] StateWritesBefore(Graph graph)
    {
        int count = graph.Nodes.Length;
        var before = new int[count + 1];
        for (int n = 0; n < count; n++)
        {
            before[n + 1] = before[n] + (graph.Nodes[n].Op.Effect == OpEffect.WritesState ? 1 : 0);
        }

        return before;
    }
}
