using AutoGrad.Differentiation;
using AutoGrad.NN;
using AutoGrad.NN.Functional;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary>The graph a functional model records: order, shared layers, names, summary, gradients and its errors.</summary>
public class FunctionalModelTests
{
    /// <summary>Two towers over one shared encoder, subtracted, then a head: <c>head(enc(left) − enc(right))</c>.</summary>
    internal static (FunctionalModel Model, Dense Encoder, Dense Head) TwoTower()
    {
        Generator.ManualSeed(5);
        var left = Input.Of(5, name: "left");
        var right = Input.Of(5, name: "right");
        var encoder = new Dense(3, "tanh");
        var head = new Dense(1);
        var difference = encoder.Call(left) - encoder.Call(right);
        return (new FunctionalModel([left, right], [head.Call(difference)], name: "towers"), encoder, head);
    }

    [Fact]
    public void Call_OnSymbolicInput_InfersShapesWithoutRunningTheLayer()
    {
        // The layer is traced abstractly: its ops only infer types, so a function that reads values cannot run, and the
        // error names the layer and the symbolic shapes.
        var x = Input.Of(4);
        var reads = new Lambda(t => t.Mul(t.Sum().Item()), name: "scale_by_sum");
        var error = Assert.ThrowsAny<Exception>(() => reads.Call(x));
        Assert.Contains("scale_by_sum", error.Message);
        Assert.Contains("(None, 4)", error.Message);

        // A layer built on a symbolic input has its real weights and gives the inferred shape.
        var conv = new Conv2D(6, 3, name: "conv");
        var y = conv.Call(Input.Of(1, 8, 8));
        Assert.Equal([6, 6, 6], y.ExampleShape.ToArray());
        Assert.Equal([6, 1, 3, 3], conv.NamedParameters().First().Value.Shape.ToArray());
        Assert.NotEqual(0.0, conv.NamedParameters().First().Value.Abs().Sum().ItemDouble());
    }

    [Fact]
    public void Build_ResidualBranches_OrdersNodesTopologically()
    {
        var x = Input.Of(4);
        var a = new Dense(4, "relu", name: "a").Call(x);
        var b = new Dense(4, name: "b").Call(a);
        var c = new Dense(4, name: "c").Call(x);
        var sum = new Add(name: "sum").Call(b, c, x);
        var model = new FunctionalModel(x, sum);

        Assert.Equal(["a", "b", "c", "sum"], model.Layers.Select(l => l.Name));
        Assert.Equal(["a", "b", "c", "sum"], model.Nodes.Select(n => n.Layer.Name));
        Assert.Equal(["a.kernel", "a.bias", "b.kernel", "b.bias", "c.kernel", "c.bias"], model.NamedParameters().Select(p => p.Key));
        Assert.Equal(["input"], model.InputNames);
        Assert.Equal(["sum"], model.OutputNames);
        Assert.Equal([4], sum.ExampleShape.ToArray());
    }

    [Fact]
    public void Call_Residual_EqualsTheSameLayersComposedByHand()
    {
        Generator.ManualSeed(1);
        var x = Input.Of(3);
        var dense = new Dense(3, "tanh");
        var relu = new Lambda(t => t.Relu());
        var model = new FunctionalModel(x, relu.Call(x + dense.Call(x)));
        var data = Tensor.RandN([4, 3], new Generator(2));

        float[] expected = (data + dense.Call(data)).Relu().ToArray<float>();
        Assert.Equal(expected, model.Call(data).ToArray<float>());
    }

    [Fact]
    public void SharedLayer_CountsItsWeightsOnce()
    {
        var (model, encoder, _) = TwoTower();

        Assert.Equal(4, model.Parameters().Count);
        Assert.Equal((5 * 3) + 3 + 3 + 1, model.ParameterCount);
        Assert.Equal(["dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias"], model.NamedParameters().Select(p => p.Key));
        Assert.Same(encoder.Kernel, model.Parameters()[0]);
        Assert.Equal(2, model.Nodes.Count(n => ReferenceEquals(n.Layer, encoder)));
    }

    [Fact]
    public void Summary_TwoTowers_ShowsConnectedToAndSharedLayerOnce()
    {
        var (model, _, _) = TwoTower();
        string expected =
            "Model: \"towers\"\n" +
            "====================================================================\n" +
            "Layer (type)         Output Shape  Param #  Connected to\n" +
            "====================================================================\n" +
            "left (InputLayer)    (None, 5)           0  -\n" +
            "right (InputLayer)   (None, 5)           0  -\n" +
            "dense (Dense)        (None, 3)          18  left[0][0], right[0][0]\n" +
            "subtract (Subtract)  (None, 3)           0  dense[0][0], dense[1][0]\n" +
            "dense_1 (Dense)      (None, 1)           4  subtract[0][0]\n" +
            "====================================================================\n" +
            "Total params: 22\n" +
            "Trainable params: 22\n" +
            "Non-trainable params: 0\n";
        Assert.Equal(expected, model.Summary());
    }

    [Fact]
    public void Gradient_ResidualModel_MatchesFiniteDifferences()
    {
        Generator.ManualSeed(3);
        var x = Input.Of(3);
        var h = new Dense(4, "tanh").Call(x);
        var back = new Dense(3).Call(h);
        var model = new FunctionalModel(x, new Dense(2, "sigmoid").Call(new Add().Call(x, back)));
        var result = LayerGradCheck.Check(model, Tensor.RandN([2, 3], new Generator(4)));
        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void Gradient_TwoTowersWithSharedEncoder_MatchesFiniteDifferences()
    {
        var (model, _, _) = TwoTower();
        model.To(DType.Float64);
        var left = Tensor.RandN([3, 5], new Generator(6), DType.Float64);
        var right = Tensor.RandN([3, 5], new Generator(7), DType.Float64);
        var originals = model.Parameters().ToArray();
        try
        {
            // The shared encoder's kernel gets its gradient from both towers: one wrong half fails here.
            var result = GradCheck.Check(
                values =>
                {
                    model.ReplaceParameters(values[2..]);
                    return model.CallAll(values[0], values[1])[0];
                },
                [left, right, .. originals]);
            Assert.True(result.Passed, result.Message);
        }
        finally
        {
            model.ReplaceParameters(originals);
        }
    }

    [Fact]
    public void CallAll_WrongNumberOfInputs_NamesTheInputs()
    {
        var (model, _, _) = TwoTower();
        var e = Assert.Throws<ArgumentException>(() => model.CallAll(Tensor.Zeros([2, 5])));
        Assert.Equal("FunctionalModel 'towers' takes 2 input(s) ('left' (None, 5), 'right' (None, 5)); it was called with 1.", e.Message);
    }

    [Fact]
    public void Predict_WrongShape_NamesTheInputAndBothShapes()
    {
        var (model, _, _) = TwoTower();
        var e = Assert.Throws<ArgumentException>(() => model.Predict([Tensor.Zeros([2, 5]), Tensor.Zeros([2, 4])]));
        Assert.Equal("FunctionalModel 'towers': input 'right' expects shape (None, 5) (any batch size), but was given (2, 4).", e.Message);
    }

    [Fact]
    public void Predict_DictionaryKeyNamingNoInput_ListsTheInputs()
    {
        var (model, _, _) = TwoTower();
        var e = Assert.Throws<ArgumentException>(() => model.Predict(new Dictionary<string, Tensor> { ["left"] = Tensor.Zeros([2, 5]), ["rigth"] = Tensor.Zeros([2, 5]) }));
        Assert.Equal("Predict: 'rigth' in inputs names no input of this model; its inputs are left, right.", e.Message);
    }

    [Fact]
    public void Constructor_OutputFromAnInputOutsideTheModel_NamesIt()
    {
        var used = Input.Of(4, name: "used");
        var stray = Input.Of(4, name: "stray");
        var output = new Add().Call(new Dense(4).Call(used), stray);
        var e = Assert.Throws<ArgumentException>(() => new FunctionalModel(used, output));
        Assert.StartsWith("FunctionalModel: output 0 depends on SymbolicTensor(shape=(None, 4), dtype=Float32, input=stray), which is not among the model's inputs ('used' (None, 4))", e.Message);
    }

    [Fact]
    public void Constructor_LayerOutputGivenAsInput_Throws()
    {
        var x = Input.Of(2);
        var h = new Dense(2, name: "hidden").Call(x);
        var e = Assert.Throws<ArgumentException>(() => new FunctionalModel(h, new Dense(1).Call(h)));
        Assert.StartsWith("FunctionalModel: input 0 is the output of layer 'hidden', not an Input", e.Message);
    }

    [Fact]
    public void SymbolicCall_ShapesDoNotFit_NamesTheLayerAndSymbolicShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new Add().Call(Input.Of(3), Input.Of(4)));
        Assert.StartsWith("Calling Add 'add' on symbolic input(s) (None, 3), (None, 4) failed", e.Message);
        Assert.Contains("input 1 has shape (1, 4) but input 0 has (1, 3)", e.Message);
    }

    [Fact]
    public void MergeLayer_CalledOnOneTensor_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new Concatenate().Call(Tensor.Zeros([1, 2])));
        Assert.Equal("Concatenate 'concatenate' merges at least 2 inputs; it was called with 1.", e.Message);
    }

    [Fact]
    public void MergeLayers_Eager_ComputeTheirFormulas()
    {
        var a = Tensor.FromArray(new float[] { 1, 2 }, 1, 2);
        var b = Tensor.FromArray(new float[] { 3, 5 }, 1, 2);
        Assert.Equal(new float[] { 4, 7 }, new Add().Call(a, b).ToArray<float>());
        Assert.Equal(new float[] { -2, -3 }, new Subtract().Call(a, b).ToArray<float>());
        Assert.Equal(new float[] { 3, 10 }, new Multiply().Call(a, b).ToArray<float>());
        Assert.Equal(new float[] { 2, 3.5f }, new Average().Call(a, b).ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 3, 5 }, new Concatenate().Call(a, b).ToArray<float>());
    }

    [Fact]
    public void OutputNames_TwoHeads_AreTheLayersKeys()
    {
        var x = Input.Of(2, name: "features");
        var trunk = new Dense(3).Call(x);
        var model = new FunctionalModel([x], [new Dense(2, name: "cls").Call(trunk), new Dense(1).Call(trunk), x]);
        Assert.Equal(["cls", "dense_1", "features"], model.OutputNames);
        Assert.Equal(3, model.CallAll(Tensor.Zeros([4, 2])).Length);
    }

    [Fact]
    public void NestedModel_AsALayer_NamesWeightsByPathAndComputesTheSame()
    {
        Generator.ManualSeed(8);
        var inner = Input.Of(3);
        var block = new FunctionalModel(inner, new Dense(3, "tanh").Call(inner) * inner, name: "block");
        var x = Input.Of(3, name: "x");
        var model = new FunctionalModel(x, new Dense(1, name: "out").Call(block.Call(block.Call(x))));
        var data = Tensor.RandN([2, 3], new Generator(9));

        Assert.Equal(["block.dense.kernel", "block.dense.bias", "out.kernel", "out.bias"], model.NamedParameters().Select(p => p.Key));
        Assert.Equal(model.Layers[1].Call(block.Call(block.Call(data))).ToArray(), model.Call(data).ToArray());
    }

    [Fact]
    public void Lambda_OfTwoInputs_AppliesAnyTensorOp()
    {
        var a = Input.Of(2);
        var b = Input.Of(2);
        var model = new FunctionalModel([a, b], [new Lambda(ts => ts[0] * ts[1].Sigmoid()).Call(a, b)]);
        var left = Tensor.FromArray(new float[] { 2, -4 }, 1, 2);
        var right = Tensor.FromArray(new float[] { 0, 0 }, 1, 2);
        Assert.Equal(new float[] { 1, -2 }, model.CallAll(left, right)[0].ToArray());
        Assert.Equal(["input", "input_1"], model.InputNames);
    }

    [Fact]
    public void Gradient_MultiplyAverageConcatenate_MatchesFiniteDifferences()
    {
        Generator.ManualSeed(12);
        var x = Input.Of(3);
        var gate = new Dense(3, "sigmoid").Call(x);
        var mixed = new Average().Call(new Multiply().Call(x, gate), new Dense(3).Call(x));
        var model = new FunctionalModel(x, new Dense(2).Call(new Concatenate().Call(mixed, x)));
        var result = LayerGradCheck.Check(model, Tensor.RandN([2, 3], new Generator(13)));
        Assert.True(result.Passed, result.Message);
    }
}
