using AutoGrad.Graphs;
using AutoGrad.Graphs.Passes;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Passes;

public class CommonSubexpressionEliminationTests
{
    [Fact]
    public void Run_RepeatedSubexpressions_ComputesEachOnce()
    {
        Graph graph = Graph.Trace(x => x.Exp().Mul(2.0).Add(x.Exp().Mul(2.0)), TensorSpec.Batched(DType.Float64, 3));
        Graph merged = CommonSubexpressionElimination.Run(graph);

        Assert.Equal(5, graph.Nodes.Length);
        Assert.Equal("inputs a:f64[B,3]\n  b:f64[B,3] = exp a\n  c:f64[B,3] = mul b 2\n  d:f64[B,3] = add c c\noutputs d\n", merged.ToString());
        Assert.Single(merged.Constants);
        PassAssert.SameResults(graph, merged);
    }

    [Fact]
    public void Run_SameOpDifferentAttributes_KeepsBoth()
    {
        Graph graph = Graph.Trace(x => x.Sum(0).Sum().Add(x.Sum(1).Sum()), TensorSpec.Fixed([3, 3], DType.Float64));
        Graph merged = CommonSubexpressionElimination.Run(graph);
        Assert.Equal(4, PassAssert.Count(merged, "reduce_sum"));
        PassAssert.SameResults(graph, merged);
    }
}
