using AutoGrad.Differentiation;
using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.Tensors;
using AutoGrad.Tests.Graphs;

namespace AutoGrad.Tests.OneWorld;

/// <summary>Graphs compose: a graph called inside a trace is inlined, gradients are named, optimized graphs differentiate again.</summary>
public class GraphCompositionTests
{
    private static (Tensor W, Graph Gradient) Model()
    {
        var w = Tensor.FromArray(new double[,] { { 0.5, -1.0 }, { 2.0, 0.3 } }).RequireGrad();
        w.Name = "w";
        Graph forward = Graph.Trace((Tensor x) => x.MatMul(w).Tanh().Square().Sum(), TensorSpec.Batched(DType.Float64, 2));
        return (w, forward.Gradient());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GraphCalledInsideTrace_IsInlined_AndMatchesEager(bool compiled)
    {
        var (w, gradient) = Model();
        CompiledGraph executable = gradient.Compile();
        Tensor Inner(Tensor x) => compiled ? executable.Run(x)[1] : gradient.Run(x)[1];
        Graph outer = Graph.Trace((Tensor x) => Inner(x).Square().Sum(), TensorSpec.Batched(DType.Float64, 2));

        Tensor input = Tensor.FromArray(new double[,] { { 1, 2 }, { -0.5, 0.25 }, { 3, -1 } });
        Tensor eagerGrad = Autodiff.Grad(input.MatMul(w).Tanh().Square().Sum(), [w])[0];
        double expected = eagerGrad.Square().Sum().ItemDouble();
        Assert.Equal(expected, outer.Run(input)[0].ItemDouble(), 12);
        Assert.Equal(expected, outer.Compile().Run(input)[0].ItemDouble(), 12);
        Assert.DoesNotContain(outer.Constants, c => c.Value.Shape == w.Shape);
    }

    [Fact]
    public void Gradient_NamesItsOutputs_AndAllowUnusedGivesZeros()
    {
        var (_, gradient) = Model();
        Assert.Equal(new string?[] { null, "grad:w" }, gradient.OutputNames.ToArray());
        Assert.EndsWith("grad:w=" + gradient.ToString().Split(' ')[^1].Split('=')[^1], gradient.ToString(), StringComparison.Ordinal);

        var w = Tensor.Ones([2], DType.Float64).RequireGrad();
        w.Name = "w";
        Graph g = Graph.Trace((Tensor x) => x.Mul(w).Sum(), TensorSpec.Batched(DType.Float64, 2)).Gradient(inputs: [0], parameters: ["w"]);
        Assert.Equal(new string?[] { null, "grad:input0", "grad:w" }, g.OutputNames.ToArray());

        // The input gradient (w broadcast over the batch) does not depend on the input.
        var error = Assert.Throws<InvalidOperationException>(() => g.Gradient(output: 1, inputs: [0]));
        Assert.Contains("does not depend on", error.Message);
        Graph zeros = g.Gradient(output: 1, inputs: [0], allowUnused: true);
        Tensor result = zeros.Run(Tensor.Ones([4, 2], DType.Float64))[^1];
        Assert.Equal(new double[8], result.ToArray<double>());
    }

    [Fact]
    public void OptimizedGraph_WithFusedNodes_CanBeDifferentiatedAgain()
    {
        var (w, gradient) = Model();
        Graph optimized = gradient.Optimize();
        Assert.Contains(optimized.Nodes, n => n.Op.Name == "fused_elementwise");

        // d/dx of the sum of the weight gradient, through the fused nodes, equals the eager second derivative.
        Graph second = optimized.Gradient(output: 1, inputs: [0]);
        Tensor input = Tensor.FromArray(new double[,] { { 1, 2 }, { -0.5, 0.25 } });
        Tensor x = input.Clone().RequireGrad();
        Tensor gw = Autodiff.Grad(x.MatMul(w).Tanh().Square().Sum(), [w], createGraph: true)[0];
        Tensor expected = Autodiff.Grad(gw.Sum(), [x])[0];
        Assert.True(second.Run(input)[^1].MaxRelativeError(expected) < 1e-10);
    }
}
