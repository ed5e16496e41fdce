using AutoGrad.NN;
using AutoGrad.NN.Initializers;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary>Issue 12 items 4 and 5: training never silently does nothing.</summary>
public class TrainingHardeningTests
{
    private static readonly Tensor X = Tensor.FromArray(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });
    private static readonly Tensor Y = Tensor.FromArray(new float[] { 0, 1, 1, 0 }, 4, 1);

    private static Sequential Build() => new(new Dense(3, "tanh", kernelInitializer: new GlorotUniform(1), inputSize: 2),
        new Dense(1, "sigmoid", kernelInitializer: new GlorotUniform(2), inputSize: 3));

    [Fact]
    public void Fit_AfterToWithAnOptimizerOverTheOldParameters_ThrowsNamingTheFix()
    {
        var model = Build();
        model.Compile(new Sgd(model.Parameters(), 0.5), "bce");
        model.To(DType.Float64);
        var error = Assert.Throws<InvalidOperationException>(() =>
            model.Fit(X.To(DType.Float64), Y.To(DType.Float64), epochs: 1, verbose: Verbosity.Silent));
        Assert.Contains("To(", error.Message);
        Assert.Contains("Compile", error.Message);
        Assert.Contains("new Sgd(model)", error.Message);
    }

    [Fact]
    public void Fit_AfterToWithAnOptimizerOverTheModel_TrainsTheConvertedParameters()
    {
        var model = Build();
        model.Compile(new Sgd(model, 0.5), "bce");
        model.To(DType.Float64);
        double[] before = model.Parameters().SelectMany(p => p.ToArray<double>()).ToArray();
        var history = model.Fit(X.To(DType.Float64), Y.To(DType.Float64), epochs: 3, batchSize: 4, verbose: Verbosity.Silent);
        double[] after = model.Parameters().SelectMany(p => p.ToArray<double>()).ToArray();
        Assert.All(model.Parameters(), p => Assert.Equal(DType.Float64, p.DType));
        Assert.NotEqual(before, after);
        Assert.True(history["loss"][2] < history["loss"][0]);
    }

    [Fact]
    public void Fit_AfterToWithAnAdamOverTheModel_CarriesTheMomentsOverToTheNewParameters()
    {
        using var directory = new AutoGrad.Tests.IO.TempDirectory();
        var model = Build();
        var adam = new Adam(model, 0.01);
        model.Compile(adam, "bce");
        model.Fit(X, Y, epochs: 2, batchSize: 4, verbose: Verbosity.Silent);
        double[] firstMoment = adam.States[model.Parameters()[0]].Slots[0].ToArray<double>();

        model.To(DType.Float64);
        model.Fit(X.To(DType.Float64), Y.To(DType.Float64), epochs: 1, batchSize: 4, shuffle: false, verbose: Verbosity.Silent);

        // One state per current parameter, continued (step 3, not a fresh 1), and none left for the replaced tensors.
        var parameters = model.Parameters();
        Assert.Equal(parameters.Count, adam.States.Count);
        Assert.All(parameters, p => Assert.Equal(3, adam.States[p].Steps));
        Assert.All(parameters, p => Assert.All(adam.States[p].Slots, slot => Assert.Equal(DType.Float64, slot.DType)));
        Assert.NotEqual(firstMoment, adam.States[parameters[0]].Slots[0].ToArray<double>());
        model.Save(directory.File("after-to.safetensors"), adam);
    }

    [Fact]
    public void Fit_ZeroSamples_ThrowsInsteadOfReportingLossZero()
    {
        var model = Build();
        model.Compile("sgd", "bce", "accuracy");
        var error = Assert.Throws<ArgumentException>(() =>
            model.Fit(Tensor.Zeros([0, 2]), Tensor.Zeros([0, 1]), epochs: 2, verbose: Verbosity.Silent));
        Assert.Contains("Fit", error.Message);
        Assert.Contains("(0, 2)", error.Message);
    }

    [Fact]
    public void Evaluate_ZeroSamples_ThrowsInsteadOfReportingLossZero()
    {
        var model = Build();
        model.Compile("sgd", "bce", "accuracy");
        var error = Assert.Throws<ArgumentException>(() => model.Evaluate(Tensor.Zeros([0, 2]), Tensor.Zeros([0, 1])));
        Assert.Contains("Evaluate", error.Message);
        Assert.Contains("no samples", error.Message);
    }

    [Fact]
    public void Predict_ZeroSamples_ReturnsTheEmptyOutputShape()
    {
        var model = new Sequential(new Dense(5, "softmax", inputSize: 3));
        Tensor output = model.Predict(Tensor.Zeros([0, 3]));
        Assert.Equal(new Shape(0, 5), output.Shape);
        Assert.Equal(DType.Float32, output.DType);
    }
}
