using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary>Issue 12 item 9: hyperparameters outside their valid range are rejected at construction, naming the range.</summary>
public class HyperparameterValidationTests
{
    private static Sequential Model() => new(new Dense(1, inputSize: 2));

    public static TheoryData<string, string> InvalidOptimizers() => new()
    {
        { "sgd lr NaN", "learningRate" },
        { "sgd lr -0.1", "learningRate" },
        { "sgd lr +inf", "learningRate" },
        { "sgd momentum -1", "momentum" },
        { "sgd nesterov without momentum", "nesterov" },
        { "adam beta1 1", "beta1" },
        { "adam beta2 NaN", "beta2" },
        { "adam beta1 -0.5", "beta1" },
        { "adam epsilon -1e-8", "epsilon" },
        { "adam weightDecay -1", "weightDecay" },
        { "rmsprop alpha 1.5", "alpha" },
        { "rmsprop epsilon NaN", "epsilon" },
        { "adagrad lr NaN", "learningRate" },
        { "adagrad initial -1", "initialAccumulatorValue" },
        { "adamw lr -1", "learningRate" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptimizers))]
    public void Optimizer_InvalidHyperparameter_ThrowsNamingItAndTheRange(string @case, string parameter)
    {
        var model = Model();
        Func<Optimizer> create = @case switch
        {
            "sgd lr NaN" => () => new Sgd(model, double.NaN),
            "sgd lr -0.1" => () => new Sgd(model.Parameters(), -0.1),
            "sgd lr +inf" => () => new Sgd(model, double.PositiveInfinity),
            "sgd momentum -1" => () => new Sgd(model, momentum: -1),
            "sgd nesterov without momentum" => () => new Sgd(model, nesterov: true),
            "adam beta1 1" => () => new Adam(model, beta1: 1),
            "adam beta2 NaN" => () => new Adam(model, beta2: double.NaN),
            "adam beta1 -0.5" => () => new Adam(model.Parameters(), beta1: -0.5),
            "adam epsilon -1e-8" => () => new Adam(model, epsilon: -1e-8),
            "adam weightDecay -1" => () => new Adam(model, weightDecay: -1),
            "rmsprop alpha 1.5" => () => new RmsProp(model, alpha: 1.5),
            "rmsprop epsilon NaN" => () => new RmsProp(model, epsilon: double.NaN),
            "adagrad lr NaN" => () => new Adagrad(model, double.NaN),
            "adagrad initial -1" => () => new Adagrad(model, initialAccumulatorValue: -1),
            "adamw lr -1" => () => new AdamW(model, -1),
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };
        var error = Assert.ThrowsAny<ArgumentException>(create);
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(parameter, error.Message);
    }

    [Fact]
    public void Optimizer_LearningRateSetToNaN_Throws()
    {
        var optimizer = new Sgd(Model());
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = double.NaN);
        Assert.Equal(0.01, optimizer.LearningRate);
    }

    [Fact]
    public void Optimizer_ClipNormNotPositive_Throws()
    {
        var optimizer = new Adam(Model());
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.ClipNorm = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.ClipNorm = double.NaN);
    }

    [Fact]
    public void Fit_ValidationSplitNaN_Throws()
    {
        var model = Model();
        model.Compile("sgd", "mse");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            model.Fit(Tensor.Zeros([4, 2]), Tensor.Zeros([4, 1]), validationSplit: double.NaN, verbose: Verbosity.Silent));
        Assert.Contains("[0, 1)", error.Message);
    }

    [Fact]
    public void Fit_BatchSizeZero_Throws()
    {
        var model = Model();
        model.Compile("sgd", "mse");
        Assert.ThrowsAny<ArgumentException>(() => model.Fit(Tensor.Zeros([4, 2]), Tensor.Zeros([4, 1]), batchSize: 0, verbose: Verbosity.Silent));
    }
}
