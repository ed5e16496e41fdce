using AutoGrad.NN;
using AutoGrad.NN.Initializers;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using AutoGrad.Tests.IO;

namespace AutoGrad.Tests.NN;

/// <summary>Issue 12 item 3: loading a checkpoint leaves the optimizer exactly as the file describes.</summary>
public class CheckpointOptimizerStateTests
{
    private static readonly Tensor X = Tensor.RandN([6, 3], new Generator(21));
    private static readonly Tensor Y = Tensor.RandN([6, 1], new Generator(22));

    private static Sequential Build() =>
        new(new Dense(4, "tanh", kernelInitializer: new GlorotUniform(1), inputSize: 3), new Dense(1, kernelInitializer: new GlorotUniform(2), inputSize: 4));

    private static void Train(Sequential model, Optimizer optimizer, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            optimizer.ZeroGrad();
            new MeanSquaredError().Compute(model.Call(X), Y).Backward();
            optimizer.Step();
        }
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    [InlineData("adagrad")]
    [InlineData("sgd-momentum")]
    public void Load_FileSavedBeforeTheFirstStep_DropsStaleMomentsAndContinuesLikeAFreshOptimizer(string kind)
    {
        static Optimizer Create(Sequential model, string kind) => kind switch
        {
            "adam" => new Adam(model, 0.01),
            "rmsprop" => new RmsProp(model, 0.01),
            "adagrad" => new Adagrad(model, 0.1),
            _ => new Sgd(model, 0.1, momentum: 0.9),
        };

        using var directory = new TempDirectory();
        string path = directory.File("start.safetensors");
        var initial = Build();
        initial.Save(path, Create(initial, kind));

        var trained = Build();
        var used = Create(trained, kind);
        Train(trained, used, 3);
        trained.Load(path, used);
        Assert.Equal(0, used.StepCount);

        var fresh = Build();
        var freshOptimizer = Create(fresh, kind);
        fresh.Load(path, freshOptimizer);

        Train(trained, used, 2);
        Train(fresh, freshOptimizer, 2);
        Assert.Equal(fresh.Parameters().SelectMany(t => t.ToArray()), trained.Parameters().SelectMany(t => t.ToArray()));
    }
}
