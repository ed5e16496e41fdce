using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Passes;

/// <summary>
/// The GEMM-epilogue pass on a convolution: conv2d (with its bias) and the elementwise program after it become one
/// <c>fused_epilogue</c> whose program runs in the pass that moves each product into NCHW order. Exact ops (add, relu,
/// mul) give the same bits as the separate conv2d and elementwise nodes, on chunks of several images, on the in-place
/// single-image path and with stride, padding, dilation and groups.
/// </summary>
public class ConvEpilogueFusionTests
{
    /// <summary>(batch, C, H, W, outC, kernel, stride, padding, dilation, groups).</summary>
    public static TheoryData<int[]> Cases => new()
    {
        new[] { 13, 1, 28, 28, 8, 3, 1, 0, 1, 1 }, // several images per chunk: the moving pass runs the program
        new[] { 3, 32, 33, 33, 8, 3, 1, 0, 1, 1 }, // one image per chunk: the product lands in place, then the program
        new[] { 5, 4, 9, 7, 6, 3, 2, 1, 2, 2 },    // stride, padding, dilation, groups
        new[] { 4, 4, 7, 9, 6, 2, 1, 1, 1, 2 },    // K = 8: one image per chunk in place, two groups
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Optimize_ConvBiasAndProgram_FusesAndGivesTheSameBits_Float32(int[] c) => Check(c, DType.Float32);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Optimize_ConvBiasAndProgram_FusesAndGivesTheSameBits_Float64(int[] c) => Check(c, DType.Float64);

    [Fact]
    public void Optimize_ConvThenAddOfARow_IsNotFused()
    {
        // A [W] operand broadcasts along the output's last axis, which is no row or column of the (N·C) × (H·W) matrix.
        var w = Tensor.RandN([3, 2, 3, 3], new Generator(1), DType.Float64).Also("w");
        var row = Tensor.RandN([4], new Generator(2), DType.Float64).Also("row");
        Graph graph = Graph.Trace(x => x.Conv2D(w).Add(row).Relu(), new TensorSpec([Dim.B, 2, 6, 6], DType.Float64));
        Graph optimized = graph.Optimize();
        Assert.Equal(0, PassAssert.Count(optimized, "fused_epilogue"));
        Assert.Equal(1, PassAssert.Count(optimized, "conv2d"));
        PassAssert.SameResults(graph, optimized, 1e-15);
    }

    [Fact]
    public void Optimize_FusedConv_CanBeDifferentiatedAgain()
    {
        var w = Tensor.RandN([3, 2, 3, 3], new Generator(3), DType.Float64).RequireGrad().Also("w");
        var b = Tensor.RandN([3], new Generator(4), DType.Float64).RequireGrad().Also("b");
        Graph forward = Graph.Trace(x => x.Conv2D(w, b, padding: 1).Tanh().Sum(), new TensorSpec([Dim.B, 2, 5, 4], DType.Float64));
        Graph optimized = forward.Optimize();
        Assert.Equal(1, PassAssert.Count(optimized, "fused_epilogue"));
        PassAssert.SameResults(forward.Gradient(), optimized.Gradient(), 1e-13);
    }

    internal static (Graph Graph, Func<int, Tensor[]> Inputs) Problem(int[] c, DType dtype)
    {
        int channels = c[1], height = c[2], width = c[3], outChannels = c[4], kernel = c[5], groups = c[9];
        var generator = new Generator(7);
        Tensor w = Tensor.RandN([outChannels, channels / groups, kernel, kernel], generator, dtype).Also("w");
        Tensor b = Tensor.RandN([outChannels], generator, dtype).Also("b");
        Tensor Conv(Tensor x) => x.Conv2D(w, b, (c[6], c[6]), (c[7], c[7]), (c[8], c[8]), groups);
        TensorSpec input = new([Dim.B, channels, height, width], dtype);
        TensorType output = Conv(Tensor.Zeros([1, channels, height, width], dtype)).Type;
        TensorSpec scale = new([Dim.B, .. output.Shape.ToArray()[1..].Select(d => (Dim)d)], dtype);
        Graph graph = Graph.Trace((x, z) => Conv(x).Add(0.25).Relu().Mul(z), input, scale);
        return (graph, batch => [Tensor.RandN([batch, channels, height, width], new Generator(batch), dtype),
            Tensor.RandN([batch, .. output.Shape.ToArray()[1..]], new Generator(batch + 100), dtype)]);
    }

    private static void Check(int[] c, DType dtype)
    {
        (Graph graph, Func<int, Tensor[]> inputs) = Problem(c, dtype);
        Graph optimized = graph.Optimize();
        Assert.Equal(1, PassAssert.Count(optimized, "fused_epilogue"));
        Assert.Equal(0, PassAssert.Count(optimized, "conv2d"));

        // Eager: conv2d, add, relu, mul, each over the whole tensor; compiled: the program on each run the move writes.
        CompiledGraph compiled = optimized.Compile(optimize: false);
        Tensor[] x = inputs(c[0]);
        Tensor expected = graph.Run(x)[0];
        Tensor actual = compiled.Run(x)[0];
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.True(actual.MaxRelativeError(expected) == 0, $"batch {c[0]}");
        Assert.Contains(actual.ToArray<double>(), v => v == 0); // the ReLU did clip
    }
}

/// <summary>The fused convolution gives the same bits on one and two threads.</summary>
[Collection(nameof(SettingsCollection))]
public class ConvEpilogueThreadCountTests
{
    [Theory]
    [MemberData(nameof(ConvEpilogueFusionTests.Cases), MemberType = typeof(ConvEpilogueFusionTests))]
    public void FusedConv_OneAndTwoThreads_AreBitIdentical(int[] c)
    {
        (Graph graph, Func<int, Tensor[]> inputs) = ConvEpilogueFusionTests.Problem(c, DType.Float32);
        CompiledGraph compiled = graph.Compile();
        Tensor[] x = inputs(c[0]);
        (float[] one, float[] two) = ThreadCounts.OneAndTwo(() => compiled.Run(x)[0].ToArray<float>());
        Assert.Equal(one, two);
    }
}
