using AutoGrad.Differentiation;
using AutoGrad.Graphs;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs;

public class GraphTracingTests
{
    [Fact]
    public void Trace_DenseRelu_PrintsTypedLinesWithParameterNames()
    {
        Graph graph = TestModel.DenseRelu().Trace();
        Assert.Equal(
            "inputs a:f32[B,4]\n" +
            "params dense1.kernel:f32[4,3] dense1.bias:f32[3]\n" +
            "  b:f32[B,3] = matmul a dense1.kernel\n" +
            "  c:f32[B,3] = add b dense1.bias\n" +
            "  d:f32[B,3] = relu c\n" +
            "outputs d\n",
            graph.ToString());
    }

    [Fact]
    public void Trace_SameModelTracedTwiceAfterOtherModels_TextIsByteIdentical()
    {
        string first = TestModel.Xor().Trace().ToString();
        _ = TestModel.MnistMlp().Trace();
        _ = TestModel.CustomLayer().Trace();
        string second = TestModel.Xor().Trace().ToString();
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void Run_GraphTracedOnce_MatchesEagerAtAnyBatchSize(int batch)
    {
        foreach (string name in TestModel.Names)
        {
            TestModel model = TestModel.Create(name, DType.Float64);
            Graph graph = model.Trace();
            Tensor[] inputs = model.Batch(batch, new Generator(batch));
            Tensor expected = model.Forward(inputs);
            Tensor actual = graph.Run(inputs)[0];
            Assert.True(actual.MaxRelativeError(expected) < 1e-12, $"{name} at batch {batch}");
        }
    }

    [Fact]
    public void Trace_FreshModelWithLazilyBuiltLayers_CapturesItsNamedParameters()
    {
        // The Dense layers infer their input size and create their parameters on the first call, inside the trace.
        var model = new AutoGrad.NN.Sequential(new AutoGrad.NN.Layers.Dense(3, "relu"), new AutoGrad.NN.Layers.Dense(1));
        Graph graph = Graph.Trace(x => model.Call(x), TensorSpec.Batched(DType.Float32, 2));
        Assert.Equal(["dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias"], graph.Parameters.Select(p => p.Name).ToArray());
        var x = Tensor.RandN([5, 2], new Generator(9));
        Assert.Equal(model.Call(x).ToArray(), graph.Run(x)[0].ToArray());

        var fresh = new AutoGrad.NN.Sequential(new AutoGrad.NN.Layers.Dense(2));
        Graph fixedGraph = Graph.Trace(x => fresh.Call(x), TensorSpec.Fixed([4, 2], DType.Float32));
        Assert.Equal(["dense.kernel", "dense.bias"], fixedGraph.Parameters.Select(p => p.Name).ToArray());
    }

    [Fact]
    public void Trace_ReshapeMergingTheBatchAxis_ShapeAttributeIsAMultipleOfB()
    {
        Graph graph = Graph.Trace(x => x.Reshape(-1).Mul(2.0).Reshape(x.Shape[0], 3), TensorSpec.Batched(DType.Float64, 3));
        Assert.Contains("b:f64[3B] = reshape[shape=(3B,)] a", graph.ToString());
        Assert.Contains("d:f64[B,3] = reshape[shape=(B, 3)] c", graph.ToString());
        var x = Tensor.Arange(15, DType.Float64).Reshape(5, 3);
        Assert.Equal((x * 2).ToArray<double>(), graph.Run(x)[0].ToArray<double>());
    }

    [Fact]
    public void Trace_MeanOverTheBatch_DivisorIsPrintedAsBAndFollowsTheBatch()
    {
        Graph graph = Graph.Trace(x => x.Mean(0), TensorSpec.Batched(DType.Float64, 2));
        Assert.EndsWith("  b:f64[2] = reduce_sum[axes=(0,), keep_dims=False] a\n  c:f64[2] = div b B\noutputs c\n", graph.ToString());
        Assert.Contains("= div b 2*B", Graph.Trace(x => x.Mean(), TensorSpec.Batched(DType.Float64, 2)).ToString());
        var x = Tensor.Arange(14, DType.Float64).Reshape(7, 2);
        Assert.Equal(new[] { 6.0, 7.0 }, graph.Run(x)[0].ToArray<double>());
    }

    [Fact]
    public void Trace_FunctionBranchingOnTheBatchSize_ThrowsNamingBothBatchSizes()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Graph.Trace(x => x.Shape[0] == 2 ? x.Exp() : x.Tanh(), TensorSpec.Batched(3)));
        Assert.Contains("batch sizes 2 and 3", error.Message);
        Assert.Contains("'exp' vs 'tanh'", error.Message);
    }

    [Fact]
    public void Trace_BatchSizedConstantCreatedInside_ThrowsExplainingWhy()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Graph.Trace(x => x.Add(Tensor.Ones(x.Shape)), TensorSpec.Batched(3)));
        Assert.Contains("f32[2,3] at batch size 2 and f32[3,3] at batch size 3", error.Message);
    }

    [Fact]
    public void Trace_UnnamedOrNonGradLeaves_BecomeConstantsPrintedInlineWhenSmall()
    {
        var unnamed = Tensor.FromArray(new float[] { 1, 2 }).RequireGrad();
        var big = Tensor.Ones([3, 2]);
        Graph graph = Graph.Trace(x => x.Mul(unnamed).Add(big), TensorSpec.Fixed([3, 2]));
        Assert.Empty(graph.Parameters);
        Assert.Equal(2, graph.Constants.Length);
        Assert.Equal(
            "inputs a:f32[3,2]\nconsts b:f32[3,2]\n  c:f32[3,2] = mul a f32[2]{1,2}\n  d:f32[3,2] = add c b\noutputs d\n",
            graph.ToString());
    }

    [Fact]
    public void Trace_TwoParametersWithTheSameName_ThrowsNamingIt()
    {
        var p = Tensor.Ones([2]).RequireGrad().Also("dense.kernel");
        var q = Tensor.Ones([2]).RequireGrad().Also("dense.kernel");
        var error = Assert.Throws<ArgumentException>(() => Graph.Trace(x => x.Mul(p).Add(q), TensorSpec.Batched(2)));
        Assert.Contains("'dense.kernel'", error.Message);
    }

    [Fact]
    public void Trace_MultipleInputsAndOutputs_RunsEachOutput()
    {
        Graph graph = Graph.Trace(x => [x[0].Add(x[1]), x[0].Mul(x[1])], TensorSpec.Batched(DType.Float64, 2), TensorSpec.Batched(DType.Float64, 2));
        var a = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2);
        var b = Tensor.FromArray(new double[] { 5, 6, 7, 8 }, 2, 2);
        Tensor[] outputs = graph.Run(a, b);
        Assert.Equal(new[] { 6.0, 8, 10, 12 }, outputs[0].ToArray<double>());
        Assert.Equal(new[] { 5.0, 12, 21, 32 }, outputs[1].ToArray<double>());
    }

    [Fact]
    public void Run_InputOfTheWrongShape_ThrowsNamingBothTypes()
    {
        Graph graph = TestModel.DenseRelu().Trace();
        var error = Assert.Throws<ArgumentException>(() => graph.Run(Tensor.Zeros([5, 3])));
        Assert.Contains("input 0 has type f32[5,3] but the graph expects f32[B,4]", error.Message);
    }

    [Fact]
    public void FromTape_EagerLoss_GivesTheTracedNodesAndRecomputesTheLoss()
    {
        TestModel model = TestModel.Xor(DType.Float64);
        Tensor[] batch = model.Batch(4, new Generator(9));
        Tensor loss = model.Forward(batch);
        Graph graph = Graph.FromTape(loss);
        Assert.Empty(graph.Inputs);
        Assert.Equal(["dense1.kernel", "dense1.bias", "dense2.kernel", "dense2.bias"], graph.Parameters.Select(p => p.Name));
        Assert.Equal(model.Trace().Nodes.Select(n => n.Op.Name), graph.Nodes.Select(n => n.Op.Name));
        Assert.Equal(loss.ItemDouble(), graph.Run()[0].ItemDouble(), 14);
    }

    [Fact]
    public void FromTape_TensorWithoutHistory_ThrowsSayingWhy()
    {
        var error = Assert.Throws<ArgumentException>(() => Graph.FromTape(Tensor.Ones([2]).Exp()));
        Assert.Contains("no recorded history", error.Message);
    }

    [Theory]
    [InlineData(0, "a")]
    [InlineData(25, "z")]
    [InlineData(26, "ba")]
    [InlineData(27, "bb")]
    [InlineData(26 * 26, "baa")]
    public void Letters_Index_FollowsJaxprOrder(int index, string expected) => Assert.Equal(expected, GraphNames.Letters(index));
}
