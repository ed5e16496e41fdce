using AutoGrad.Graphs;
using AutoGrad.Graphs.Passes;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Passes;

public class DeadCodeEliminationTests
{
    [Fact]
    public void Run_UnusedBranchAndParameter_RemovesThemAndKeepsResults()
    {
        var used = Tensor.Ones([3], DType.Float64).RequireGrad().Also("used");
        var unused = Tensor.Ones([3], DType.Float64).RequireGrad().Also("unused");
        Graph graph = Graph.Trace(x =>
        {
            _ = x.Mul(unused).Exp();
            return x.Add(used).Tanh();
        }, TensorSpec.Batched(DType.Float64, 3));

        Graph pruned = DeadCodeElimination.Run(graph);

        Assert.Equal(4, graph.Nodes.Length);
        Assert.Equal(["add", "tanh"], pruned.Nodes.Select(n => n.Op.Name));
        Assert.Equal(["used"], pruned.Parameters.Select(p => p.Name));
        Assert.Equal("inputs a:f64[B,3]\nparams used:f64[3]\n  b:f64[B,3] = add a used\n  c:f64[B,3] = tanh b\noutputs c\n", pruned.ToString());
        PassAssert.SameResults(graph, pruned);
    }

    [Fact]
    public void Run_EverythingLive_ReturnsAnEqualGraph()
    {
        Graph graph = TestModel.Xor(DType.Float64).Trace();
        Assert.Equal(graph.ToString(), DeadCodeElimination.Run(graph).ToString());
    }
}
