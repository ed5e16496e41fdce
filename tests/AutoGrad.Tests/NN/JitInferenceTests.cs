using AutoGrad.NN;
using AutoGrad.NN.Functional;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;
using AutoGrad.Tests.Graphs;

namespace AutoGrad.Tests.NN;

/// <summary>
/// With <c>jit: true</c>, <c>Evaluate</c> and <c>Predict</c> run one compiled graph of the forward in evaluation mode:
/// the same numbers as op-by-op inference, weights changed after compiling are seen, and replaced ones retrace.
/// </summary>
public class JitInferenceTests
{
    private static Sequential Model()
    {
        Generator.ManualSeed(3);
        return new Sequential(new Dense(16), new BatchNorm(), new Dense(8, "relu"), new Dropout(0.5, seed: 1), new Dense(3));
    }

    private static (Tensor X, Tensor Y) Data(int n)
    {
        var g = new Generator(5);
        return (Tensor.RandN([n, 6], g), Tensor.RandInt(0, 3, [n], g).OneHot(3));
    }

    [Fact]
    public void EvaluateAndPredict_WithJit_MatchOpByOpInference_InEvaluationMode()
    {
        var (x, y) = Data(37);
        var model = Model();
        model.Compile(new Adam(model, 0.01), new CrossEntropy(), ["accuracy"], jit: true);
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: Verbosity.Silent, seed: 2);

        var compiledLogs = model.Evaluate(x, y, batchSize: 10);
        Tensor compiled = model.Predict(x, batchSize: 10);
        model.Jit = false;
        var eagerLogs = model.Evaluate(x, y, batchSize: 10);
        Tensor eager = model.Predict(x, batchSize: 10);

        Assert.Equal([37, 3], compiled.Shape.ToArray());
        Assert.True(compiled.MaxRelativeError(eager) <= 1e-5, $"predictions differ by {compiled.MaxRelativeError(eager)}");
        Assert.Equal(eagerLogs["loss"], compiledLogs["loss"], 5);
        Assert.Equal(eagerLogs["accuracy"], compiledLogs["accuracy"], 10);
        // Evaluation mode: dropout is off, so predicting twice gives the same values.
        model.Jit = true;
        Assert.Equal(compiled.ToArray(), model.Predict(x, batchSize: 10).ToArray());
    }

    [Fact]
    public void Predict_WithJit_SeesWeightsLoadedOrReplacedAfterTheFirstCall()
    {
        var (x, _) = Data(12);
        var model = Model();
        model.Compile(new Sgd(model, 0.1), new CrossEntropy(), jit: true);
        Tensor before = model.Predict(x, batchSize: 5);

        // Loaded in place: the compiled graph reads the parameters by reference.
        var other = Model();
        other.Build(new Shape(6));
        foreach (Tensor p in other.Parameters())
        {
            using (AutoGrad.Differentiation.Autodiff.NoGrad())
            {
                p.MulInPlace(2.0);
            }
        }

        model.LoadStateDict(other.StateDict());
        Tensor loaded = model.Predict(x, batchSize: 5);
        model.Jit = false;
        Tensor loadedEager = model.Predict(x, batchSize: 5);
        Assert.True(loaded.MaxRelativeError(loadedEager) <= 1e-5);
        Assert.NotEqual(before.ToArray(), loaded.ToArray());

    }

    [Fact]
    public void Predict_WithJit_ParameterReplacedAfterTheFirstCall_IsTracedAgain()
    {
        var (x, _) = Data(6);
        var scale = new Scale();
        var model = new Sequential(new Dense(3), scale);
        model.Compile(new Sgd(model, 0.1), new MeanSquaredError(), jit: true);
        Tensor before = model.Predict(x);

        // A new tensor in the field makes a new parameter list, so the next call traces the forward again.
        scale.Weight = Tensor.Full([3], 2.0).RequireGrad();
        Tensor after = model.Predict(x);
        Assert.Equal(before.Mul(2.0).ToArray(), after.ToArray());
    }

    [Fact]
    public void Predict_WithJit_ModelThatReadsValues_SaysItCannotBeTracedAndHowToRunIt()
    {
        var (x, _) = Data(4);
        var model = new Sequential(new Dense(3), new ValueReading());
        model.Compile(new Sgd(model, 0.1), new MeanSquaredError(), jit: true);

        var error = Assert.Throws<InvalidOperationException>(() => model.Predict(x));
        Assert.StartsWith("Evaluate/Predict with jit: true traces the model's forward", error.Message);
        Assert.Contains("jit: false", error.Message);
        model.Jit = false;
        Assert.Equal([4, 3], model.Predict(x).Shape.ToArray());
    }

    /// <summary>Scales by a value read from the data, which a trace cannot do (there are no values to read).</summary>
    private sealed class ValueReading : Layer
    {
        public override Tensor Forward(Tensor input) => input * input.Abs().Max().ItemDouble();
    }

    private sealed class Scale : Layer
    {
        public Tensor Weight = Tensor.Ones([3]).RequireGrad();

        public override Tensor Forward(Tensor input) => input * Weight;
    }

    [Fact]
    public void EvaluateAndPredict_WithJit_TwoInputFunctionalModel_MatchOpByOp()
    {
        Generator.ManualSeed(8);
        var a = Input.Of(3, name: "a");
        var b = Input.Of(2, name: "b");
        var h = new Dense(5, "tanh").Call(new Concatenate().Call(a, b));
        var model = new FunctionalModel([a, b], [new Dense(1, name: "value").Call(h), new Dense(2, name: "cls").Call(h)]);
        model.Compile(new Sgd(model, 0.1), [new MeanSquaredError(), new CrossEntropy()], [1.0, 0.5], jit: true);
        var g = new Generator(4);
        Tensor xa = Tensor.RandN([9, 3], g), xb = Tensor.RandN([9, 2], g), yv = Tensor.RandN([9, 1], g), yc = Tensor.RandInt(0, 2, [9], g).OneHot(2);

        var compiledLogs = model.Evaluate([xa, xb], [yv, yc], batchSize: 4);
        Tensor[] compiled = model.Predict([xa, xb], batchSize: 4);
        model.Jit = false;
        var eagerLogs = model.Evaluate([xa, xb], [yv, yc], batchSize: 4);
        Tensor[] eager = model.Predict([xa, xb], batchSize: 4);

        for (int o = 0; o < 2; o++)
        {
            Assert.True(compiled[o].MaxRelativeError(eager[o]) <= 1e-5);
        }

        foreach (string key in new[] { "loss", "value_loss", "cls_loss" })
        {
            Assert.Equal(eagerLogs[key], compiledLogs[key], 5);
        }
    }
}
