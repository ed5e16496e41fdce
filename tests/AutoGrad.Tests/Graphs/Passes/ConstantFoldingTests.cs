using AutoGrad.Graphs;
using AutoGrad.Graphs.Passes;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Passes;

public class ConstantFoldingTests
{
    [Fact]
    public void Run_NodesReadingOnlyConstants_BecomeOneConstant()
    {
        var table = Tensor.FromArray(new double[] { 0, 1, 2 });
        Graph graph = Graph.Trace(x => x.Mul(table.Exp().Mul(2.0)), TensorSpec.Batched(DType.Float64, 3));
        Graph folded = ConstantFolding.Run(graph);

        Assert.Equal(["mul"], folded.Nodes.Select(n => n.Op.Name));
        Assert.Equal(new[] { 2, 2 * Math.E, 2 * Math.E * Math.E }, folded.Constants[0].Value.ToArray<double>());
        PassAssert.SameResults(graph, folded);
    }

    [Fact]
    public void Run_ParametersAndBatchDependentScalars_AreNotFolded()
    {
        var w = Tensor.Ones([3], DType.Float64).RequireGrad().Also("w");
        Graph graph = Graph.Trace(x => x.Add(w.Exp()).Mean(0), TensorSpec.Batched(DType.Float64, 3));
        Graph folded = ConstantFolding.Run(graph);
        Assert.Equal(graph.ToString(), folded.ToString());
        Assert.Contains("= exp w", folded.ToString());
        Assert.Matches(@"= div [a-z]+ B\n", folded.ToString());
    }
}
