using AutoGrad.Graphs;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs;

public class GraphRenderingTests
{
    [Fact]
    public void ToDot_DenseRelu_HasStyledParametersTypedNodesAndEdges()
    {
        string dot = TestModel.DenseRelu().Trace().ToDot();
        Assert.StartsWith("digraph graph_ {\n", dot);
        Assert.Contains("\"dense1.kernel\" [label=\"dense1.kernel\\nf32[4,3]\", shape=box, style=\"rounded,filled\", fillcolor=\"#fde68a\"];", dot);
        Assert.Contains("\"b\" [label=\"b = matmul\\nf32[B,3]\", shape=box];", dot);
        Assert.Contains("\"a\" -> \"b\";", dot);
        Assert.Contains("\"dense1.kernel\" -> \"b\";", dot);
        Assert.Contains("\"d\" -> \"output 0\";", dot);
        Assert.EndsWith("}\n", dot);
    }

    [Fact]
    public void ToMermaid_DenseRelu_IsAFlowchartWithTheParamClass()
    {
        string mermaid = TestModel.DenseRelu().Trace().ToMermaid();
        Assert.Equal(
            "flowchart TD\n" +
            "  i0([\"a: f32[B,4]\"])\n" +
            "  p0[/\"dense1.kernel: f32[4,3]\"/]:::param\n" +
            "  p1[/\"dense1.bias: f32[3]\"/]:::param\n" +
            "  n0[\"b = matmul<br/>f32[B,3]\"]\n  i0 --> n0\n  p0 --> n0\n" +
            "  n1[\"c = add<br/>f32[B,3]\"]\n  n0 --> n1\n  p1 --> n1\n" +
            "  n2[\"d = relu<br/>f32[B,3]\"]\n  n1 --> n2\n" +
            "  n2 --> out0((\"output 0\"))\n" +
            "  classDef param fill:#fde68a,stroke:#b45309\n  classDef const fill:#e5e7eb,stroke:#6b7280\n",
            mermaid);
    }

    [Fact]
    public void Render_WithoutDotOnPath_ThrowsSayingWhatToInstallOrUseInstead()
    {
        string empty = Directory.CreateTempSubdirectory("no-dot").FullName;
        var error = Assert.Throws<InvalidOperationException>(() =>
            GraphRenderer.Render(TestModel.DenseRelu().Trace(), Path.Combine(empty, "g.svg"), "svg", empty));
        Assert.Contains("'dot' program was not found on PATH", error.Message);
        Assert.Contains("ToMermaid()", error.Message);
        Assert.False(File.Exists(Path.Combine(empty, "g.svg")));
    }

    [Fact]
    public void Render_UnknownFormat_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => GraphRenderer.Render(TestModel.DenseRelu().Trace(), "g.pdf", "pdf"));
        Assert.Contains("\"pdf\"", error.Message);
    }

    [Fact]
    public void Render_WhenDotIsInstalled_WritesAnSvg()
    {
        if (!GraphRenderer.IsDotAvailable)
        {
            Assert.Null(GraphRenderer.FindDot(Environment.GetEnvironmentVariable("PATH")));
            return;
        }

        string path = Path.Combine(Directory.CreateTempSubdirectory("dot").FullName, "g.svg");
        GraphRenderer.Render(TestModel.DenseRelu().Trace(), path);
        Assert.Contains("<svg", File.ReadAllText(path));
    }

    [Fact]
    public void Summary_MnistMlp_CountsOpsParametersAndFlops()
    {
        GraphSummary summary = TestModel.MnistMlp().Trace().Summary();
        Assert.Equal(784 * 128 + 128 + 128 * 10 + 10, summary.ParameterCount);
        Assert.Equal(4, summary.ParameterTensors);
        Assert.Equal(2, summary.OpCounts["matmul"]);
        Assert.Equal(summary.OpCounts.Values.Sum(), summary.NodeCount);
        // matmul, add, relu, matmul, add, log_softmax, mul, reduce_sum over classes, then one element of the batch sum.
        long perExample = (2 * 784 * 128) + 128 + 128 + (2 * 128 * 10) + 10 + 10 + 10 + 10 + 1;
        Assert.Equal(perExample, summary.Flops(2) - summary.Flops(1));
        Assert.Contains("parameters: 101770 in 4 tensor(s)\n", summary.ToString());
        // At B=64 the busiest node is the second matmul: it reads the [64,128] relu output (the first matmul's buffer,
        // overwritten in place by add and relu) while writing [64,10]; every later value fits in bytes dead by then.
        // The loss, a scalar output, has its own 4 bytes.
        Assert.Equal((64 * 128 * 4) + (64 * 10 * 4) + 4, summary.PlannedMemoryBytes(64));
    }
}
