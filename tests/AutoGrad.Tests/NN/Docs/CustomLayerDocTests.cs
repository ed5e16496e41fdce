using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN.Docs;

// The code blocks of docs/custom-layers.md, verbatim; DocSnippetTests fails when the doc and this file drift apart.

/// <summary>A gated linear unit with a learned output scale.</summary>
public sealed class GatedLinear : Layer
{
    private readonly Dense value;
    private readonly Dense gate;
    private readonly Tensor scale = Tensor.Ones([1]).RequireGrad();

    public GatedLinear(int units)
    {
        value = new Dense(units);
        gate = new Dense(units, "sigmoid");
    }

    public override Tensor Forward(Tensor input) =>
        value.Call(input) * gate.Call(input) * scale;
}

/// <summary>Multiplies each feature by a learned scale; the feature count is read from the first input.</summary>
public sealed class FeatureScale : Layer
{
    private Tensor? scale;

    public override Tensor Forward(Tensor input)
    {
        if (scale is null)
        {
            scale = Tensor.Ones([input.Shape[-1]], input.DType).RequireGrad();
            MarkBuilt();
        }

        return input * scale;
    }
}

public class CustomLayerDocTests
{
    [Fact]
    public void FeatureScale_BuiltOnFirstCall_NamedWhileTheFirstForwardRuns()
    {
        var probe = new ScaleNameProbe();
        var model = new Sequential(new FeatureScale(), probe);
        model.Call(Tensor.Ones([2, 3]));
        Assert.Equal("feature_scale.scale", probe.SeenDuringFirstForward);
        Assert.Equal(new[] { 3 }, model.Parameters()[0].Shape.ToArray());
    }

    /// <summary>Runs right after FeatureScale in the same forward and reads the name of the scale its product used.</summary>
    private sealed class ScaleNameProbe : Layer
    {
        [NotTracked]
        public string? SeenDuringFirstForward { get; private set; }

        public override Tensor Forward(Tensor input)
        {
            // input = x * scale: the product's second operand is the scale parameter itself.
            SeenDuringFirstForward ??= input.GradFn?.InputLeaf(1)?.Name;
            return input;
        }
    }

    [Fact]
    public void GatedLinear_Parameters_DiscoveredWithPathNames()
    {
        var layer = new GatedLinear(4);
        layer.Call(Tensor.Zeros([1, 2]));
        Assert.Equal(
            new[] { "value.kernel", "value.bias", "gate.kernel", "gate.bias", "scale" },
            layer.NamedParameters().Select(p => p.Key).ToArray());
    }

    [Fact]
    public void GatedLinear_InAModel_LearnsXor()
    {
        var x = Tensor.FromArray(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });
        var y = Tensor.FromArray(new float[] { 0, 1, 1, 0 }, 4, 1);

        var model = new Sequential(new GatedLinear(8), new Dense(1, "sigmoid"));
        model.Compile(new AutoGrad.NN.Optimizers.Adam(model, learningRate: 0.05), "binary_cross_entropy", "accuracy");
        var history = model.Fit(x, y, epochs: 300, verbose: Verbosity.Silent, seed: 1);
        Console.WriteLine($"accuracy {history["accuracy"][^1]}");

        Assert.Equal(1.0, history["accuracy"][^1]);
    }

    [Fact]
    public void GatedLinear_Gradients_MatchFiniteDifferences()
    {
        var layer = new GatedLinear(3);
        LayerGradCheck.Assert(layer, Tensor.RandN([4, 2], new Generator(7)));

        Assert.Equal(DType.Float64, layer.Parameters()[0].DType);
    }
}
