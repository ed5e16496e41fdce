using AutoGrad.Graphs;
using AutoGrad.Graphs.Passes;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Passes;

public class ElementwiseFusionTests
{
    [Fact]
    public void Run_ChainAfterMatmul_BecomesOnePrintableFusedNode()
    {
        var w = Tensor.Ones([4, 3], DType.Float64).RequireGrad().Also("dense1.kernel");
        var b = Tensor.Ones([3], DType.Float64).RequireGrad().Also("dense1.bias");
        Graph graph = Graph.Trace(x => x.MatMul(w).Add(b).Tanh().Mul(0.5), TensorSpec.Batched(DType.Float64, 4));
        Graph fused = ElementwiseFusion.Run(graph);
        Assert.Equal(
            "inputs a:f64[B,4]\nparams dense1.kernel:f64[4,3] dense1.bias:f64[3]\n" +
            "  b:f64[B,3] = matmul a dense1.kernel\n" +
            "  c:f64[B,3] = fused_elementwise[program={add x0 x1; tanh t0; mul t1 x2}] b dense1.bias 0.5\n" +
            "outputs c\n",
            fused.ToString());
        PassAssert.SameResults(graph, fused);
    }

    [Fact]
    public void Run_ValueReadTwice_IsMaterializedNotFused()
    {
        Graph graph = Graph.Trace(x => { Tensor e = x.Exp(); return e.Add(e.Tanh()).Neg(); }, TensorSpec.Batched(DType.Float64, 3));
        Graph fused = ElementwiseFusion.Run(graph);
        Assert.Equal(["exp", "fused_elementwise"], fused.Nodes.Select(n => n.Op.Name));
        PassAssert.SameResults(graph, fused);
    }

    [Fact]
    public void Run_OutputsInTheMiddleOfAChain_StayOutputs()
    {
        Graph graph = Graph.Trace(x => { Tensor e = x[0].Exp(); return [e, e.Neg()]; }, TensorSpec.Batched(DType.Float64, 3));
        Graph fused = ElementwiseFusion.Run(graph);
        Assert.Equal(["exp", "neg"], fused.Nodes.Select(n => n.Op.Name));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1023)]
    [InlineData(1025)]
    [InlineData(3000)]
    public void Execute_BroadcastPatternsAcrossTileBoundaries_EqualsUnfusedOps(int rows)
    {
        // Row bias (periodic), kept-dims column (repeat), scalar, and a middle-axis broadcast (general).
        var row = Tensor.RandN([5], new Generator(1), DType.Float64);
        var middle = Tensor.RandN([1, 1, 5], new Generator(2), DType.Float64);
        Graph graph = Graph.Trace(
            x => x.Add(row).Mul(x.Sum(-1, keepDims: true)).Sub(2.0).Tanh().Reshape(x.Shape[0], 1, 5).Add(middle).Exp(),
            TensorSpec.Batched(DType.Float64, 5));
        Graph fused = ElementwiseFusion.Run(graph);
        Assert.Equal(2, PassAssert.Count(fused, "fused_elementwise"));
        var input = Tensor.RandN([rows, 5], new Generator(rows), DType.Float64);
        Assert.True(fused.Run(input)[0].MaxRelativeError(graph.Run(input)[0]) == 0);
    }
}
