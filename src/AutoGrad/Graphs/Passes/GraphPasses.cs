namespace AutoGrad.Graphs.Passes;

/// <summary>The standard optimization pipeline.</summary>
internal static class GraphPasses
{
    /// <summary>
    /// Runs, in order: common-subexpression elimination, constant folding, algebraic simplification, CSE again (rewrites
    /// expose new duplicates), elementwise fusion, fusion of 2-D products with the elementwise node consuming them (GEMM
    /// epilogues), and dead-code elimination (each pass also removes what it made dead). Results are equal to the input
    /// graph's; fused nodes are differentiated through their programs.
    /// </summary>
    public static Graph Optimize(Graph graph) => Optimize(graph, fuseEpilogues: true);

    /// <summary>The pipeline with or without the GEMM-epilogue fusion (without it: the unfused reference in tests).</summary>
    internal static Graph Optimize(Graph graph, bool fuseEpilogues)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph g = DeadCodeElimination.Run(graph);
        g = CommonSubexpressionElimination.Run(g);
        g = ConstantFolding.Run(g);
        g = AlgebraicSimplification.Run(g);
        g = CommonSubexpressionElimination.Run(g);
        g = ElementwiseFusion.Run(g);
        if (fuseEpilogues)
        {
            g = GemmEpilogueFusion.Run(g);
        }

        return DeadCodeElimination.Run(g);
    }
}
