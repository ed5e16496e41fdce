using AutoGrad.Differentiation;
using AutoGrad.Graphs;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs;

public class GraphGradientTests
{
    public static TheoryData<string> Models => [.. TestModel.Names];

    [Theory]
    [MemberData(nameof(Models))]
    public void Gradient_EveryModel_EqualsEagerBackwardAtTwoBatchSizes(string name)
    {
        TestModel model = TestModel.Create(name, DType.Float64);
        Graph gradient = model.Trace().Gradient();
        foreach (int batch in new[] { 1, 5 })
        {
            Tensor[] inputs = model.Batch(batch, new Generator(batch + 10));
            Tensor[] results = gradient.Run(inputs);
            Tensor output = model.Forward(inputs);
            Tensor target = output.Rank == 0 ? output : output.Sum();
            Tensor[] expected = Autodiff.Grad(target, model.Parameters);
            Assert.Equal(1 + model.Parameters.Length, results.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(results[1 + i].MaxRelativeError(expected[i]) < 1e-12, $"{name}: gradient of {model.Parameters[i].Name} at batch {batch}");
            }
        }
    }

    [Fact]
    public void Gradient_WithRespectToAnInput_EqualsEagerInputGradient()
    {
        TestModel model = TestModel.Xor(DType.Float64);
        Graph gradient = model.Trace().Gradient(inputs: [0]);
        Tensor[] inputs = model.Batch(6, new Generator(3));
        Tensor x = inputs[0].Clone().RequireGrad();
        Tensor expected = Autodiff.Grad(model.Forward([x, inputs[1]]), x);
        Assert.True(gradient.Run(inputs)[1].MaxRelativeError(expected) < 1e-12);
    }

    [Fact]
    public void Gradient_OfTheGradientGraph_EqualsEagerSecondDerivative()
    {
        // f(x) = Σ tanh(x·W)·x; the second gradient graph differentiates Σ ∂f/∂x again with respect to x.
        var w = Tensor.Uniform([3, 3], -1, 1, new Generator(1), DType.Float64).RequireGrad().Also("layer.kernel");
        Tensor F(Tensor x) => x.MatMul(w).Tanh().Mul(x).Sum();
        Graph first = Graph.Trace(F, TensorSpec.Batched(DType.Float64, 3)).Gradient(inputs: [0]);
        Graph second = first.Gradient(output: 1, inputs: [0]);

        var x = Tensor.RandN([4, 3], new Generator(2), DType.Float64).RequireGrad();
        Tensor dx = Autodiff.Grad(F(x), [x], createGraph: true)[0];
        Tensor d2x = Autodiff.Grad(dx.Sum(), [x])[0];
        Tensor[] results = second.Run(x.Detach());
        Assert.Equal(3, results.Length);
        Assert.True(results[1].MaxRelativeError(dx) < 1e-12);
        Assert.True(results[2].MaxRelativeError(d2x) < 1e-12);
    }

    [Fact]
    public void Gradient_SecondOrderWithRespectToAParameter_MatchesEagerAndGradCheck()
    {
        TestModel model = TestModel.CustomLayer(DType.Float64);
        Tensor gain = model.Parameters[0];
        Graph second = model.Trace().Gradient(inputs: [0]).Gradient(output: 1, parameters: ["rms_norm.gain"]);
        Tensor[] inputs = model.Batch(3, new Generator(4));
        Tensor x = inputs[0].Clone().RequireGrad();
        Tensor dx = Autodiff.Grad(model.Forward([x]), [x], createGraph: true)[0];
        Tensor expected = Autodiff.Grad(dx.Sum(), [gain])[0];
        Assert.True(second.Run(inputs)[2].MaxRelativeError(expected) < 1e-12);

        // And the eager second derivative itself agrees with central differences.
        GradCheck.Assert(p => Autodiff.Grad(TestModel.RmsNorm(inputs[0].Clone().RequireGrad(), p[0]).Sum(), [p[0]], createGraph: true)[0].Sum(), [gain.Detach().Clone()]);
    }

    [Fact]
    public void Gradient_PrintsBackwardOpsFromTheRules()
    {
        Graph gradient = TestModel.DenseRelu().Trace().Gradient();
        string text = gradient.ToString();
        Assert.Contains("matmul[transpose_a=True, transpose_b=False] a", text);
        Assert.Contains("reduce_sum[axes=(0,), keep_dims=True]", text);
        Assert.StartsWith("inputs a:f32[B,4]\nparams dense1.kernel:f32[4,3] dense1.bias:f32[3]\n", text);
    }

    [Fact]
    public void Gradient_UnknownParameter_ThrowsListingTheParameters()
    {
        var error = Assert.Throws<ArgumentException>(() => TestModel.DenseRelu().Trace().Gradient(parameters: ["dense2.kernel"]));
        Assert.Contains("no parameter named 'dense2.kernel'; its parameters are: dense1.kernel, dense1.bias", error.Message);
    }

    [Fact]
    public void Gradient_OutputIndependentOfTheValue_ThrowsNamingIt()
    {
        var p = Tensor.Ones([2]).RequireGrad().Also("p");
        var q = Tensor.Ones([2]).RequireGrad().Also("q");
        Graph graph = Graph.Trace(x => [x[0].Mul(p).Sum(), x[0].Mul(q).Sum()], TensorSpec.Batched(2));
        var error = Assert.Throws<InvalidOperationException>(() => graph.Gradient(output: 0, parameters: ["q"]));
        Assert.Contains("does not depend on parameter 'q'", error.Message);
    }
}
