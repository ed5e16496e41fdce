using AutoGrad.Differentiation;
using AutoGrad.Examples.CustomLayer;
using AutoGrad.NN;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Examples;

public sealed class CustomLayerExampleTests
{
    [Fact]
    public void Run_Default_GradChecksPassAndSpiralsAreLearned()
    {
        var output = new StringWriter();

        CustomLayerResult result = CustomLayerDemo.Run(output, epochs: 40);

        Assert.True(result.FirstOrder.Passed, result.FirstOrder.Message);
        Assert.True(result.SecondOrder.Passed, result.SecondOrder.Message);
        Assert.True(result.Accuracy > 0.95, $"spiral accuracy {result.Accuracy}");
        Assert.Contains("parameters found in the custom layer: highway.hiddenWeight, highway.hiddenBias, highway.gateWeight, highway.gateBias",
            output.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("inputs a:f32[B,4]\nparams hiddenWeight:f32[4,4] hiddenBias:f32[4] gateWeight:f32[4,4] gateBias:f32[4]\n", result.Forward, StringComparison.Ordinal);
        Assert.Contains("  g:f32[B,4] = sigmoid f\n", result.Forward, StringComparison.Ordinal);
        Assert.EndsWith("outputs k\n", result.Forward, StringComparison.Ordinal);
        // The backward graph: the forward nodes, then the gradient of each parameter, all from the ops' own rules.
        Assert.Contains("= matmul[transpose_a=True, transpose_b=False] a", result.Backward, StringComparison.Ordinal);
        Assert.Matches(@"outputs k grad:\S+=\w+ grad:\S+=\w+ grad:\S+=\w+ grad:\S+=\w+\n$", result.Backward);
    }

    [Fact]
    public void Highway_GateFullyClosed_PassesInputThrough()
    {
        // With t = sigmoid(-1000) = 0 the layer must return x exactly: checks the forward formula, not just its gradient.
        Tensor x = Tensor.FromArray(new float[,] { { 1, -2 }, { 3, 0.5f } });
        Tensor y = Highway.Apply(x, Tensor.Ones([2, 2]), Tensor.Zeros([2]), Tensor.Zeros([2, 2]), Tensor.Full([2], -1000));

        Assert.Equal(x.ToArray(), y.ToArray());
    }

    [Fact]
    public void Highway_InModel_RegistersFourParametersPerLayer()
    {
        var model = new Sequential(new Highway(5), new Highway(5));

        Assert.Equal(
            ["highway.hiddenWeight", "highway.hiddenBias", "highway.gateWeight", "highway.gateBias",
             "highway_1.hiddenWeight", "highway_1.hiddenBias", "highway_1.gateWeight", "highway_1.gateBias"],
            model.NamedParameters().Select(p => p.Key));
        Assert.Equal(2 * ((5 * 5) + 5) * 2, model.ParameterCount);
    }
}
