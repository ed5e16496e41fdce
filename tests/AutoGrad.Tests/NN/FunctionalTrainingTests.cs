using AutoGrad.NN;
using AutoGrad.NN.Callbacks;
using AutoGrad.NN.Functional;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Metrics;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;
using AutoGrad.Tests.Graphs;
using AutoGrad.Tests.IO;

namespace AutoGrad.Tests.NN;

/// <summary>Compile, Fit, Evaluate, Predict, save and load for functional models with several inputs and outputs.</summary>
public class FunctionalTrainingTests
{
    /// <summary>
    /// Two inputs, a shared trunk over their concatenation, two heads: "value" regresses the sum of the features (mse),
    /// "sign" classifies whether it is positive (binary cross-entropy on logits).
    /// </summary>
    private static (FunctionalModel Model, Dense Trunk, Dense Value, Dense Sign) TwoHeads(int seed = 11)
    {
        Generator.ManualSeed(seed);
        var a = Input.Of(3, name: "a");
        var b = Input.Of(2, name: "b");
        var trunk = new Dense(8, "tanh");
        var value = new Dense(1, name: "value");
        var sign = new Dense(1, name: "sign");
        var h = trunk.Call(new Concatenate().Call(a, b));
        return (new FunctionalModel([a, b], [value.Call(h), sign.Call(h)]), trunk, value, sign);
    }

    private static (Tensor A, Tensor B, Tensor Value, Tensor Sign) Data(int n = 64, int seed = 21)
    {
        var g = new Generator(seed);
        Tensor a = Tensor.RandN([n, 3], g), b = Tensor.RandN([n, 2], g);
        float[] av = a.ToArray(), bv = b.ToArray();
        var sum = new float[n];
        var positive = new float[n];
        for (int i = 0; i < n; i++)
        {
            sum[i] = av[3 * i] + av[(3 * i) + 1] + av[(3 * i) + 2] + bv[2 * i] + bv[(2 * i) + 1];
            positive[i] = sum[i] > 0 ? 1 : 0;
        }

        return (a, b, Tensor.FromArray(sum, n, 1), Tensor.FromArray(positive, n, 1));
    }

    [Fact]
    public void Evaluate_LossWeights_EqualWeightedSumOfHandComposedLosses()
    {
        var (model, trunk, value, sign) = TwoHeads();
        var (a, b, yValue, ySign) = Data(16);
        model.Compile("sgd", [new MeanSquaredError(), new BinaryCrossEntropyWithLogits()], [0.25, 3.0]);

        var logs = model.Evaluate([a, b], [yValue, ySign], batchSize: 16);

        Tensor h = trunk.Call(Tensor.Concat([a, b], axis: 1));
        double mse = new MeanSquaredError().Compute(value.Call(h), yValue).ItemDouble();
        double bce = new BinaryCrossEntropyWithLogits().Compute(sign.Call(h), ySign).ItemDouble();
        Assert.Equal((0.25 * mse) + (3.0 * bce), logs["loss"], 5);
        Assert.Equal(mse, logs["value_loss"], 5);
        Assert.Equal(bce, logs["sign_loss"], 5);
    }

    [Fact]
    public void Fit_ArraysWithValidationMetricsAndCallbacks_LowersTheLoss()
    {
        var (model, _, _, _) = TwoHeads();
        var (a, b, yValue, ySign) = Data();
        var (va, vb, vValue, vSign) = Data(32, seed: 22);
        model.Compile(new Adam(model, 0.02), [new MeanSquaredError(), new BinaryCrossEntropyWithLogits()], [1.0, 0.5],
            metrics: new Dictionary<string, Metric[]> { ["sign"] = [new BinaryAccuracy(threshold: 0)] });
        int epochsSeen = 0;

        History history = model.Fit([a, b], [yValue, ySign], epochs: 15, batchSize: 16, validationData: ([va, vb], [vValue, vSign]),
            callbacks: [new LambdaCallback(onEpochEnd: (_, _, _) => epochsSeen++)], verbose: Verbosity.Silent, seed: 1);

        Assert.Equal(15, epochsSeen);
        Assert.Equal(["loss", "value_loss", "sign_loss", "sign_binary_accuracy", "val_loss", "val_value_loss", "val_sign_loss", "val_sign_binary_accuracy"], history.Keys);
        Assert.True(history["loss"][^1] < 0.5 * history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
        Assert.True(history["val_loss"][^1] < history["val_loss"][0]);
        Assert.True(history["sign_binary_accuracy"][^1] > 0.8, $"accuracy {history["sign_binary_accuracy"][^1]}");
    }

    [Fact]
    public void Fit_Dictionaries_LowersTheLossLikeArrays()
    {
        var (a, b, yValue, ySign) = Data();
        History Train(bool dictionaries)
        {
            var (model, _, _, _) = TwoHeads();
            model.Compile("adam", new Dictionary<string, Loss> { ["sign"] = new BinaryCrossEntropyWithLogits(), ["value"] = new MeanSquaredError() },
                new Dictionary<string, double> { ["sign"] = 0.5 });
            return dictionaries
                ? model.Fit(new Dictionary<string, Tensor> { ["b"] = b, ["a"] = a }, new Dictionary<string, Tensor> { ["sign"] = ySign, ["value"] = yValue },
                    epochs: 5, batchSize: 16, verbose: Verbosity.Silent, seed: 1)
                : model.Fit([a, b], [yValue, ySign], epochs: 5, batchSize: 16, verbose: Verbosity.Silent, seed: 1);
        }

        var byName = Train(dictionaries: true);
        Assert.True(byName["loss"][^1] < byName["loss"][0]);

        // Keys are matched to the model's names, not taken in dictionary order: the same run as with arrays.
        Assert.Equal(Train(dictionaries: false)["loss"], byName["loss"]);
    }

    [Fact]
    public void Fit_DictionaryKeyNamingNoOutput_ListsTheOutputs()
    {
        var (model, _, _, _) = TwoHeads();
        var (a, b, yValue, ySign) = Data(8);
        model.Compile("sgd", [new MeanSquaredError(), new BinaryCrossEntropyWithLogits()]);
        var e = Assert.Throws<ArgumentException>(() => model.Fit(
            new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b },
            new Dictionary<string, Tensor> { ["value"] = yValue, ["sgn"] = ySign }, verbose: Verbosity.Silent));
        Assert.Equal("Fit: 'sgn' in outputs names no output of this model; its outputs are value, sign.", e.Message);
    }

    [Fact]
    public void Compile_OneLossForTwoOutputs_Throws()
    {
        var (model, _, _, _) = TwoHeads();
        var e = Assert.Throws<ArgumentException>(() => model.Compile("sgd", new MeanSquaredError()));
        Assert.StartsWith("Compile: the model has 2 outputs (value, sign); give one loss per output", e.Message);
    }

    [Fact]
    public void Fit_JitWithTwoInputsAndTwoWeightedHeads_MatchesEagerLogsAndWeights()
    {
        var (a, b, yValue, ySign) = Data(48);
        (History History, FunctionalModel Model) Train(bool jit)
        {
            var (model, _, _, _) = TwoHeads(seed: 5);
            model.Compile(new Adam(model, 0.01), [new MeanSquaredError(), new BinaryCrossEntropyWithLogits()], [0.5, 2.0],
                new Dictionary<string, Metric[]> { ["sign"] = [new BinaryAccuracy()] }, jit: jit);
            var history = model.Fit([a, b], [yValue, ySign], epochs: 3, batchSize: 16, verbose: Verbosity.Silent, seed: 3);
            return (history, model);
        }

        var eager = Train(jit: false);
        var compiled = Train(jit: true);
        foreach (string key in new[] { "loss", "value_loss", "sign_loss", "sign_binary_accuracy" })
        {
            Assert.Equal(3, compiled.History[key].Count);
            for (int i = 0; i < 3; i++)
            {
                Assert.True(Math.Abs(eager.History[key][i] - compiled.History[key][i]) <= 1e-5 * Math.Max(1, Math.Abs(eager.History[key][i])),
                    $"{key}[{i}]: eager {eager.History[key][i]} vs jit {compiled.History[key][i]}");
            }
        }

        foreach (var (name, value) in eager.Model.StateDict())
        {
            double error = compiled.Model.StateDict()[name].MaxRelativeError(value);
            Assert.True(error <= 1e-5, $"{name}: relative error {error}");
        }

        // Training did something: the weighted loss fell.
        Assert.True(compiled.History["loss"][2] < compiled.History["loss"][0]);
    }

    [Fact]
    public void Fit_JitSingleInputFunctionalModel_MatchesEager()
    {
        var (a, _, yValue, _) = Data(32);
        IReadOnlyList<double> Train(bool jit)
        {
            Generator.ManualSeed(4);
            var x = Input.Of(3);
            var h = new Dense(4, "tanh").Call(x);
            var model = new FunctionalModel(x, new Dense(1).Call(new Concatenate().Call(h, x)));
            model.Compile(new Sgd(model, 0.05), new MeanSquaredError(), jit: jit);
            return model.Fit(a, yValue, epochs: 3, batchSize: 8, verbose: Verbosity.Silent, seed: 2)["loss"];
        }

        var eager = Train(jit: false);
        var compiled = Train(jit: true);
        for (int i = 0; i < eager.Count; i++)
        {
            Assert.Equal(eager[i], compiled[i], 4);
        }
    }

    [Fact]
    public void SaveThenLoad_IntoTheSameArchitecture_GivesTheSamePredictions()
    {
        var (trained, _, _, _) = TwoHeads(seed: 11);
        var (a, b, yValue, ySign) = Data(32);
        trained.Compile("adam", [new MeanSquaredError(), new BinaryCrossEntropyWithLogits()]);
        trained.Fit([a, b], [yValue, ySign], epochs: 2, verbose: Verbosity.Silent, seed: 1);
        using var dir = new TempDirectory();
        string path = dir.File("two_heads.safetensors");
        trained.Save(path);

        var (restored, _, _, _) = TwoHeads(seed: 99);
        Assert.NotEqual(trained.Predict([a, b])[0].ToArray(), restored.Predict([a, b])[0].ToArray());
        restored.Load(path);

        Assert.Equal(["dense.kernel", "dense.bias", "value.kernel", "value.bias", "sign.kernel", "sign.bias"], restored.NamedParameters().Select(p => p.Key));
        var expected = trained.Predict(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b });
        var actual = restored.Predict([a, b]);
        Assert.Equal(expected[0].ToArray(), actual[0].ToArray());
        Assert.Equal(expected[1].ToArray(), actual[1].ToArray());
    }

    [Fact]
    public void Fit_OneTargetForTwoOutputs_SaysHowManyAreNeeded()
    {
        var x = Input.Of(2, name: "x");
        var h = new Dense(2).Call(x);
        var model = new FunctionalModel([x], [new Dense(1, name: "p").Call(h), new Dense(1, name: "q").Call(h)]);
        model.Compile("sgd", [new MeanSquaredError(), new MeanSquaredError()]);
        var e = Assert.Throws<ArgumentException>(() => model.Fit(Tensor.Zeros([4, 2]), Tensor.Zeros([4, 1]), verbose: Verbosity.Silent));
        Assert.Equal("Fit: the model has 2 output(s) (p, q), so it takes 2 target tensor(s); 1 were given.", e.Message);
    }
}
