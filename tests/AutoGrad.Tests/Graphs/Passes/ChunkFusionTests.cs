using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Passes;

/// <summary>
/// The chunk-fusion pass: a large per-example value that is cheap per element (a convolution over one input channel with
/// its ReLU) and read by one per-example node (max pooling) becomes one <c>chunk_fused</c> node of the compiled graph computing
/// both a few images at a time. The results are the same bits as the unfused graph's, for batches that leave a short last chunk,
/// and the pass leaves alone values read twice, costly per element, or small.
/// </summary>
public class ChunkFusionTests
{
    // 8 channels of 26 × 26: 43 KB per image in float64 (12 images per 512 KB chunk), 21.6 KB in float32 (24).
    internal static Graph ConvReluPool(DType dtype, int inChannels = 1, int outChannels = 8)
    {
        var generator = new Generator(11);
        Tensor w = Tensor.RandN([outChannels, inChannels, 3, 3], generator, dtype).Also("w");
        Tensor b = Tensor.RandN([outChannels], generator, dtype).Also("b");
        return Graph.Trace(x => x.Conv2D(w, b).Relu().MaxPool2D(2), new TensorSpec([Dim.B, inChannels, 28, 28], dtype));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(30)]
    public void Optimize_ConvReluPool_FusesAndGivesTheSameBits_Float64(int batch) => Check(DType.Float64, batch);

    [Theory]
    [InlineData(1)]
    [InlineData(25)]
    [InlineData(30)]
    public void Optimize_ConvReluPool_FusesAndGivesTheSameBits_Float32(int batch) => Check(DType.Float32, batch);

    [Fact]
    public void Optimize_ValueReadTwice_IsNotFused()
    {
        // The ReLU output feeds the pooling and a sum, as a training step's forward value feeds its gradient.
        var w = Tensor.RandN([8, 1, 3, 3], new Generator(1), DType.Float64).Also("w");
        Graph graph = Graph.Trace(x =>
        {
            Tensor h = x.Conv2D(w).Relu();
            return h.MaxPool2D(2).Sum().Add(h.Sum());
        }, new TensorSpec([Dim.B, 1, 28, 28], DType.Float64));
        Graph compiled = graph.Compile().Graph;
        Assert.Equal(0, PassAssert.Count(compiled, "chunk_fused"));
        PassAssert.SameResults(graph, compiled, 1e-12);
    }

    [Fact]
    public void Optimize_CostlyProducer_IsNotFused()
    {
        // 16 input channels: 2·16·9 = 288 flops per output element, a product bound by arithmetic.
        Graph graph = ConvReluPool(DType.Float32, inChannels: 16);
        Assert.Equal(0, PassAssert.Count(graph.Compile().Graph, "chunk_fused"));
    }

    [Fact]
    public void Optimize_SmallValue_IsNotFused()
    {
        // 2 channels of 26 × 26 in float32: 5.4 KB per image, below the 16 KB worth fusing.
        Graph graph = ConvReluPool(DType.Float32, outChannels: 2);
        Assert.Equal(0, PassAssert.Count(graph.Compile().Graph, "chunk_fused"));
    }

    [Fact]
    public void Optimize_FixedBatch_IsNotFused()
    {
        var w = Tensor.RandN([8, 1, 3, 3], new Generator(1)).Also("w");
        Graph graph = Graph.Trace(x => x.Conv2D(w).Relu().MaxPool2D(2), TensorSpec.Fixed([4, 1, 28, 28]));
        Assert.Equal(0, PassAssert.Count(graph.Compile().Graph, "chunk_fused"));
    }

    [Fact]
    public void Optimize_ChunkFusedNode_CanBeDifferentiatedAgain()
    {
        var w = Tensor.RandN([8, 1, 3, 3], new Generator(3), DType.Float64).RequireGrad().Also("w");
        var b = Tensor.RandN([8], new Generator(4), DType.Float64).RequireGrad().Also("b");
        Graph forward = Graph.Trace(x => x.Conv2D(w, b).Tanh().MaxPool2D(2).Sum(), new TensorSpec([Dim.B, 1, 28, 28], DType.Float64));
        Graph compiled = forward.Compile().Graph;
        Assert.Equal(1, PassAssert.Count(compiled, "chunk_fused"));
        PassAssert.SameResults(forward.Gradient(), compiled.Gradient(), 1e-12);
    }

    [Fact]
    public void BatchRule_MaxPoolGradientAndConvInputGradient_AreRowsAndHoldOnASliceOfRows()
    {
        // The rules chunk fusion asks (new for these two gradient ops), checked against the kernels: rows 2..4 computed
        // on their own equal rows 2..4 of the whole batch.
        var generator = new Generator(21);
        var pool = new AutoGrad.Ops.Conv.PoolSettings((2, 2), (2, 2), (0, 0), false);
        var poolGrad = new AutoGrad.Ops.Conv.MaxPool2dGradOp(pool);
        Tensor x = Tensor.RandN([6, 3, 6, 4], generator, DType.Float64), g = Tensor.RandN([6, 3, 3, 2], generator, DType.Float64);
        TensorType[] poolTypes = [g.Type, x.Type];
        Assert.Equal(BatchDependence.Rows(0), poolGrad.BatchRule([BatchDependence.Rows(0), BatchDependence.Rows(0)], poolTypes, poolGrad.InferType(poolTypes)));
        Assert.Null(poolGrad.BatchRule([BatchDependence.Rows(0), BatchDependence.Rows(1)], poolTypes, poolGrad.InferType(poolTypes)));
        Assert.Equal(poolGrad.Apply(g, x).Slice(0, 2, 5).ToArray<double>(), poolGrad.Apply(g.Slice(0, 2, 5), x.Slice(0, 2, 5)).ToArray<double>());

        var inputGrad = new AutoGrad.Ops.Conv.Conv2dInputGradOp(new AutoGrad.Ops.Conv.Conv2dSettings((1, 1), (1, 1), (1, 1)), 6, 4);
        Tensor w = Tensor.RandN([5, 3, 3, 3], generator, DType.Float64), dy = Tensor.RandN([6, 5, 6, 4], generator, DType.Float64);
        TensorType[] gradTypes = [dy.Type, w.Type];
        Assert.Equal(BatchDependence.Rows(0), inputGrad.BatchRule([BatchDependence.Rows(0), BatchDependence.Shared], gradTypes, inputGrad.InferType(gradTypes)));
        Assert.Null(inputGrad.BatchRule([BatchDependence.Shared, BatchDependence.Rows(0)], gradTypes, inputGrad.InferType(gradTypes)));
        Assert.Equal(inputGrad.Apply(dy, w).Slice(0, 2, 5).ToArray<double>(), inputGrad.Apply(dy.Slice(0, 2, 5), w).ToArray<double>());
    }

    private static void Check(DType dtype, int batch)
    {
        Graph graph = ConvReluPool(dtype);
        Assert.Equal(0, PassAssert.Count(graph.Optimize(), "chunk_fused")); // export reads this one
        CompiledGraph compiled = graph.Compile();
        Assert.Equal(1, PassAssert.Count(compiled.Graph, "chunk_fused"));
        Assert.Equal(0, PassAssert.Count(compiled.Graph, "max_pool2d"));

        // Eager: the whole 8-channel tensor, then the pooling; compiled: a chunk of images at a time.
        Tensor x = Tensor.RandN([batch, 1, 28, 28], new Generator(batch), dtype);
        Tensor expected = graph.Run(x)[0];
        Tensor actual = compiled.Run(x)[0];
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.True(actual.MaxRelativeError(expected) == 0, $"batch {batch}");
        Assert.Contains(actual.ToArray<double>(), v => v == 0); // the ReLU did clip whole windows
    }
}

/// <summary>The chunk-fused convolution and pooling give the same bits on one and two threads.</summary>
[Collection(nameof(SettingsCollection))]
public class ChunkFusionThreadCountTests
{
    [Theory]
    [InlineData(30)]
    [InlineData(97)]
    public void ChunkFused_OneAndTwoThreads_AreBitIdentical(int batch)
    {
        CompiledGraph compiled = ChunkFusionTests.ConvReluPool(DType.Float32).Compile();
        Assert.Equal(1, PassAssert.Count(compiled.Graph, "chunk_fused"));
        Tensor x = Tensor.RandN([batch, 1, 28, 28], new Generator(5));
        (float[] one, float[] two) = ThreadCounts.OneAndTwo(() => compiled.Run(x)[0].ToArray<float>());
        Assert.Equal(one, two);
    }
}
