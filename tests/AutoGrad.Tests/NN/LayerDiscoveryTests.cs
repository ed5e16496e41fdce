using AutoGrad.Differentiation;
using AutoGrad.NN;
using AutoGrad.NN.Initializers;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

public class LayerDiscoveryTests
{
    private static readonly Tensor Input = Tensor.Ones([2, 3]);

    private sealed class HoldsEverything : Model
    {
        private readonly Dense first = new(4, inputSize: 3);
        private readonly List<Layer> blocks = [new Dense(4, inputSize: 4), new Dense(4, inputSize: 4)];
        private readonly Layer[] heads = [new Dense(2, inputSize: 4)];
        private readonly Dictionary<string, Layer> extras = new() { ["zeta"] = new Dense(1, inputSize: 4), ["alpha"] = new Dense(1, inputSize: 4) };
        private readonly List<Tensor> scales = [Tensor.Ones([4]).RequireGrad()];
        private readonly Tensor constant = Tensor.Ones([4]);

        public Tensor Offset { get; } = Tensor.Zeros([4]).RequireGrad();

        public override Tensor Forward(Tensor input)
        {
            Tensor x = first.Call(input) * scales[0] * constant + Offset;
            foreach (var block in blocks)
            {
                x = block.Call(x);
            }

            return heads[0].Call(x).Sum(-1, keepDims: true) + extras["alpha"].Call(x) + extras["zeta"].Call(x);
        }
    }

    [Fact]
    public void NamedParameters_FieldsListsArraysDictionariesAndProperties_AllFoundWithPathNames()
    {
        var model = new HoldsEverything();
        var names = model.NamedParameters().Select(p => p.Key).ToArray();
        Assert.Equal(
            new[]
            {
                "first.kernel", "first.bias", "blocks.0.kernel", "blocks.0.bias", "blocks.1.kernel", "blocks.1.bias",
                "heads.0.kernel", "heads.0.bias", "extras.alpha.kernel", "extras.alpha.bias", "extras.zeta.kernel", "extras.zeta.bias",
                "scales.0", "offset",
            },
            names);
        Assert.All(model.NamedParameters(), p => Assert.Equal(p.Key, p.Value.Name));
    }

    [Fact]
    public void Backward_LayersInListAndDictionary_AllReceiveGradients()
    {
        var model = new HoldsEverything();
        model.Call(Input).Sum().Backward();
        Assert.All(model.NamedParameters(), p => Assert.True(p.Value.Grad is not null, $"{p.Key} got no gradient"));
    }

    private sealed class HidesInTuple : Layer
    {
        private readonly (Tensor Weight, int Size) pair = (Tensor.Ones([2]).RequireGrad(), 2);

        public override Tensor Forward(Tensor input) => input * pair.Weight;
    }

    private sealed class Helper
    {
        public Tensor Weight { get; } = Tensor.Ones([2]).RequireGrad();
    }

    private sealed class HidesInHelperObject : Layer
    {
        private readonly Helper helper = new();

        public override Tensor Forward(Tensor input) => input * helper.Weight;
    }

    [Fact]
    public void Parameters_TensorHiddenInTuple_ThrowsNamingFieldAndType()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new HidesInTuple().Parameters());
        Assert.StartsWith(
            "Layer 'HidesInTuple': field 'pair' of type ValueTuple<Tensor, Int32> holds tensors that require grad (or layers) inside a container " +
            "that parameter discovery cannot enumerate, so they would silently never be trained or saved.",
            error.Message);
    }

    [Fact]
    public void Parameters_TensorHiddenInHelperObject_Throws()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new HidesInHelperObject().Parameters());
        Assert.Contains("field 'helper' of type Helper holds tensors that require grad", error.Message);
    }

    private sealed class IgnoresOnPurpose : Layer
    {
        [NotTracked]
        private readonly (Tensor Weight, int Size) pair = (Tensor.Ones([2]).RequireGrad(), 2);

        private readonly Tensor own = Tensor.Ones([2]).RequireGrad();

        public override Tensor Forward(Tensor input) => input * pair.Weight * own;
    }

    [Fact]
    public void Parameters_NotTrackedField_IsSkippedWithoutError()
    {
        Assert.Equal(new[] { "own" }, new IgnoresOnPurpose().NamedParameters().Select(p => p.Key).ToArray());
    }

    [Fact]
    public void Sequential_Names_CountPerModelNotPerProcess()
    {
        Sequential Build() => new(new Dense(3, "relu", inputSize: 2), new Dense(3, inputSize: 3), new ReLU(), new Dense(1, inputSize: 3, name: "head"));
        _ = Build();
        _ = Build();
        var model = Build();
        Assert.Equal(
            new[] { "dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias", "head.kernel", "head.bias" },
            model.NamedParameters().Select(p => p.Key).ToArray());
    }

    [Fact]
    public void NestedModel_ParametersPrefixedByFieldAndSequentialNames()
    {
        var inner = new Sequential(new Dense(2, inputSize: 2));
        var outer = new Sequential(inner, new Dense(1, inputSize: 2));
        Assert.Equal(
            new[] { "sequential.dense.kernel", "sequential.dense.bias", "dense.kernel", "dense.bias" },
            outer.NamedParameters().Select(p => p.Key).ToArray());
    }

    [Fact]
    public void SharedLayer_UsedTwice_ParametersListedOnce()
    {
        var shared = new Dense(2, inputSize: 2);
        var model = new Sequential(shared, shared);
        Assert.Equal(2, model.Parameters().Count);
    }

    [Fact]
    public void Call_LazyDense_NamesParametersAfterFirstCall()
    {
        var model = new Sequential(new Dense(3), new Dense(1));
        Assert.Empty(model.Parameters());
        model.Call(Input);
        Assert.Equal(new[] { "dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias" }, model.Parameters().Select(p => p.Name).ToArray());
        Assert.Equal(new[] { 3, 3 }, model.Parameters()[0].Shape.ToArray());
    }

    [Fact]
    public void TrainAndEval_PropagateToSubLayers()
    {
        var dropout = new Dropout(0.5);
        var model = new Sequential(new Sequential(dropout));
        model.Eval();
        Assert.False(dropout.Training);
        model.Train();
        Assert.True(dropout.Training);
    }

    [Fact]
    public void To_Float64_ConvertsParametersAndBuffersInPlace()
    {
        var norm = new BatchNorm();
        var model = new Sequential(new Dense(2, inputSize: 3), norm);
        model.Call(Input);
        model.To(DType.Float64);
        Assert.All(model.StateDict().Values, t => Assert.Equal(DType.Float64, t.DType));
        Assert.Equal(DType.Float64, model.Call(Tensor.Ones([2, 3], DType.Float64)).DType);
        Assert.All(model.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Fact]
    public void StateDict_IncludesBuffersButParametersExcludeThem()
    {
        var model = new Sequential(new BatchNorm());
        model.Call(Input);
        Assert.Equal(new[] { "batch_norm.gamma", "batch_norm.beta", "batch_norm.runningMean", "batch_norm.runningVar" }, model.StateDict().Keys.ToArray());
        Assert.Equal(new[] { "batch_norm.gamma", "batch_norm.beta" }, model.NamedParameters().Select(p => p.Key).ToArray());
    }

    [Fact]
    public void LoadStateDict_Mismatches_ListsEveryProblemAndChangesNothing()
    {
        var model = new Sequential(new Dense(2, inputSize: 3, kernelInitializer: new Constant(7)));
        var state = new Dictionary<string, Tensor>
        {
            ["dense.kernel"] = Tensor.Zeros([3, 2]),
            ["dense.bias"] = Tensor.Zeros([3]),
            ["dense.extra"] = Tensor.Zeros([1]),
        };
        var error = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));
        Assert.Equal(
            "LoadStateDict: the given state does not match the model (2 problems; nothing was loaded):\n" +
            "  - 'dense.bias': found f32[3], but the model has f32[2]\n" +
            "  - 'dense.extra': not in the model",
            error.Message);
        Assert.All(model.Parameters()[0].ToArray(), v => Assert.Equal(7f, v));
    }

    [Fact]
    public void Initializers_RandomUniform_StaysInRangeCoversItAndIsReproducible()
    {
        double[] values = new RandomUniform(-0.5, 0.5, seed: 3).Create([4000], DType.Float64).ToArray<double>();
        Assert.All(values, v => Assert.InRange(v, -0.5, 0.5 - 1e-12));
        Assert.InRange(values.Min(), -0.5, -0.49);
        Assert.InRange(values.Max(), 0.49, 0.5);
        Assert.InRange(values.Average(), -0.02, 0.02);
        Assert.Equal(values, new RandomUniform(-0.5, 0.5, seed: 3).Create([4000], DType.Float64).ToArray<double>());
    }

    [Fact]
    public void Initializers_SeededGlorotUniform_WithinLimitAndReproducible()
    {
        var a = new GlorotUniform(seed: 5).Create([30, 20]);
        var b = new GlorotUniform(seed: 5).Create([30, 20]);
        Assert.Equal(a.ToArray(), b.ToArray());
        double limit = Math.Sqrt(6.0 / 50);
        Assert.All(a.ToArray(), v => Assert.InRange(v, -limit, limit));
    }

    public static TheoryData<string, double> InitializerStd() => new()
    {
        // Standard deviation expected for shape [200, 100] (fanIn 200, fanOut 100).
        { "glorot_uniform", Math.Sqrt(2.0 / 300) },
        { "glorot_normal", Math.Sqrt(2.0 / 300) },
        { "he_uniform", Math.Sqrt(2.0 / 200) },
        { "he_normal", Math.Sqrt(2.0 / 200) },
    };

    [Theory]
    [MemberData(nameof(InitializerStd))]
    public void Initializer_LargeSample_HasTheDocumentedStandardDeviation(string name, double expected)
    {
        Initializer init = name switch
        {
            "glorot_uniform" => new GlorotUniform(1),
            "glorot_normal" => new GlorotNormal(1),
            "he_uniform" => new HeUniform(1),
            _ => new HeNormal(1),
        };
        var values = init.Create([200, 100], DType.Float64).ToArray<double>();
        double mean = values.Average();
        double std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
        Assert.Equal(expected, std, 0.03 * expected);
        Assert.Equal(0, mean, 0.05 * expected);
    }

    [Fact]
    public void Initializer_ConvShape_FansIncludeReceptiveField()
    {
        Assert.Equal((3 * 5 * 5, 8 * 5 * 5), Initializer.Fans([8, 3, 5, 5]));
        Assert.Equal(new[] { 2.5f, 2.5f }, new Constant(2.5).Create([2]).ToArray());
        Assert.Equal(new[] { 0f, 0f }, new Zeros().Create([2]).ToArray());
        Assert.Equal(new[] { 1f }, new Ones().Create([1]).ToArray());
    }

    [Fact]
    public void Dense_WrongInputWidth_NamesBothSizes()
    {
        var dense = new Dense(2, inputSize: 3);
        var error = Assert.Throws<ArgumentException>(() => dense.Call(Tensor.Ones([1, 4])));
        Assert.Equal("Dense 'dense': the input has 4 features (shape (1, 4)) but the layer was built for 3 (kernel f32[3,2]).", error.Message);
    }

    [Fact]
    public void ZeroGrad_ClearsAllParameterGradients()
    {
        var model = new Sequential(new Dense(2, inputSize: 3));
        using (Autodiff.EnableGrad())
        {
            model.Call(Input).Sum().Backward();
        }

        model.ZeroGrad();
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void Dense_InputDtypeDiffersFromParameters_SaysHowToConvert()
    {
        var dense = new Dense(2, inputSize: 3);
        var error = Assert.Throws<ArgumentException>(() => dense.Call(Tensor.Ones([1, 3], DType.Float64)));
        Assert.Equal("Dense 'dense': the input is f64[1,3] but the parameters are f32; convert one (input.To(DType.Float32) or model.To(DType.Float64)).", error.Message);
    }
}
