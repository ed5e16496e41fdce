using AutoGrad.Graphs;
using AutoGrad.Graphs.Passes;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Passes;

public class AlgebraicSimplificationTests
{
    public static TheoryData<string, Func<Tensor, Tensor>> Identities => new()
    {
        { "x*1", x => x.Mul(1.0).Tanh() },
        { "1*x", x => x.ScalarLike(1.0).Mul(x).Tanh() },
        { "x/1", x => x.Div(1.0).Tanh() },
        { "x+0", x => x.Add(0.0).Tanh() },
        { "0+x", x => x.ScalarLike(0.0).Add(x).Tanh() },
        { "x-0", x => x.Sub(0.0).Tanh() },
        { "--x", x => x.Neg().Neg().Tanh() },
        { "x*ones", x => x.Mul(Tensor.Ones([4], DType.Float64)).Tanh() },
        { "reshape to own shape", x => new AutoGrad.Ops.Shaping.ReshapeOp(x.Shape).Apply(x).Tanh() },
        { "transpose transpose", x => SwapLastTwoOp.Instance.Apply(SwapLastTwoOp.Instance.Apply(x)).Tanh() },
    };

    [Theory]
    [MemberData(nameof(Identities))]
    public void Run_IdentityRewrite_LeavesOnlyTheRealOp(string rule, Func<Tensor, Tensor> function)
    {
        Graph graph = Graph.Trace(function, TensorSpec.Batched(DType.Float64, 4));
        Graph simplified = AlgebraicSimplification.Run(graph);
        Assert.True(graph.Nodes.Length > 1, rule);
        Assert.Equal("inputs a:f64[B,4]\n  b:f64[B,4] = tanh a\noutputs b\n", simplified.ToString());
        PassAssert.SameResults(graph, simplified);
    }

    [Fact]
    public void Run_MultiplyByOnesThatBroadcasts_IsKeptBecauseTheShapeChanges()
    {
        Graph graph = Graph.Trace(x => x.Mul(Tensor.Ones([2, 1, 4], DType.Float64)), TensorSpec.Batched(DType.Float64, 4));
        Assert.Equal(graph.ToString(), AlgebraicSimplification.Run(graph).ToString());
    }

    [Fact]
    public void Run_ReshapeChain_BecomesOneReshapeWithTheOuterTarget()
    {
        Graph graph = Graph.Trace(x => x.Reshape(-1).Reshape(x.Shape[0] * 2, 2).Exp(), TensorSpec.Batched(DType.Float64, 4));
        Graph simplified = AlgebraicSimplification.Run(graph);
        Assert.Equal("inputs a:f64[B,4]\n  b:f64[2B,2] = reshape[shape=(2B, 2)] a\n  c:f64[2B,2] = exp b\noutputs c\n", simplified.ToString());
        PassAssert.SameResults(graph, simplified);
    }

    [Fact]
    public void Run_BroadcastOfAConstantFeedingAnAdd_UsesTheConstantDirectly()
    {
        var bias = Tensor.FromArray(new double[] { 1, 2, 3, 4 });
        Graph graph = Graph.Trace(x => x.Add(bias.BroadcastTo(x.Shape)), TensorSpec.Batched(DType.Float64, 4));
        Graph simplified = AlgebraicSimplification.Run(graph);
        Assert.Equal("inputs a:f64[B,4]\n  b:f64[B,4] = add a f64[4]{1,2,3,4}\noutputs b\n", simplified.ToString());
        PassAssert.SameResults(graph, simplified);
    }

    [Fact]
    public void Run_UniformConstantOperand_ShrinksToAScalar()
    {
        var halves = Tensor.Full([4, 4], 0.5, DType.Float64);
        Graph graph = Graph.Trace(x => x.Mul(halves), TensorSpec.Fixed([4, 4], DType.Float64));
        Graph simplified = DeadCodeElimination.Run(AlgebraicSimplification.Run(graph));
        Assert.Equal("inputs a:f64[4,4]\n  b:f64[4,4] = mul a 0.5\noutputs b\n", simplified.ToString());
        PassAssert.SameResults(graph, simplified);
    }

    [Theory]
    [InlineData(new[] { 0, 2, 1 }, new[] { 0, 2, 1 }, true)]
    [InlineData(new[] { 1, 2, 0 }, new[] { 2, 0, 1 }, true)]
    [InlineData(new[] { 1, 2, 0 }, new[] { 1, 2, 0 }, false)]
    public void Run_PermuteOfPermute_DisappearsExactlyWhenItRestoresTheOrder(int[] first, int[] second, bool restores)
    {
        Graph graph = Graph.Trace(x => x.Permute(first).Permute(second).Exp(), TensorSpec.Batched(DType.Float64, 3, 4));
        Graph simplified = AlgebraicSimplification.Run(graph);
        Assert.Equal(restores ? 0 : 2, PassAssert.Count(simplified, "permute"));
        PassAssert.SameResults(graph, simplified);
    }

    [Fact]
    public void Run_TransposeOfTranspose_Disappears()
    {
        Graph graph = Graph.Trace(x => x.Transpose().Transpose().Tanh(), TensorSpec.Batched(DType.Float64, 3, 4));
        Graph simplified = AlgebraicSimplification.Run(graph);
        Assert.Equal("inputs a:f64[B,3,4]\n  b:f64[B,3,4] = tanh a\noutputs b\n", simplified.ToString());
    }
}
