using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Schedules;
using AutoGrad.Tensors;
using AutoGrad.Tests.Graphs;

namespace AutoGrad.Tests.OneWorld;

/// <summary>
/// Every layer × every optimizer: N steps eager and N steps compiled from the same seed end with the same weights,
/// running statistics and optimizer state — because both run the same update ops.
/// </summary>
public class EagerCompiledEquivalenceTests
{
    private const int Steps = 4;

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string layer in LayerCases.Names)
        {
            foreach (string optimizer in OptimizerCases.Names)
            {
                data.Add(layer, optimizer);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StepsFromTheSameSeed_EndWithTheSameWeightsStatisticsAndOptimizerState(string layer, string optimizer)
    {
        var (eagerModel, eagerOptimizer, data) = Build(layer, optimizer);
        var (compiledModel, compiledOptimizer, _) = Build(layer, optimizer);
        var loss = new MeanSquaredError();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(compiledModel.Call(x), y),
            Spec(data[0].X), Spec(data[0].Y), compiledOptimizer);

        foreach (var (x, y) in data)
        {
            eagerOptimizer.ZeroGrad();
            Tensor value = loss.Compute(eagerModel.Call(x), y);
            value.Backward();
            eagerOptimizer.Step();
            double compiledLoss = step.Step(x, y);
            Assert.True(Math.Abs(compiledLoss - value.ItemDouble()) <= 1e-6 * Math.Max(1, Math.Abs(value.ItemDouble())),
                $"loss {compiledLoss} vs {value.ItemDouble()}");
        }

        AssertClose(eagerModel.StateDict(), compiledModel.StateDict(), "weights and buffers");
        Assert.Equal(eagerOptimizer.StepCount, compiledOptimizer.StepCount);
        var eagerParameters = eagerModel.Parameters();
        var compiledParameters = compiledModel.Parameters();
        for (int i = 0; i < eagerParameters.Count; i++)
        {
            var eagerState = eagerOptimizer.States[eagerParameters[i]];
            var compiledState = compiledOptimizer.States[compiledParameters[i]];
            Assert.Equal(eagerState.Steps, compiledState.Steps);
            for (int s = 0; s < eagerState.Slots.Length; s++)
            {
                AssertClose(eagerState.Slots[s], compiledState.Slots[s], $"{eagerParameters[i].Name} slot {eagerOptimizer.SlotNames[s]}");
            }
        }

        // Training changed something, so equality is not the trivial kind.
        var (fresh, _, _) = Build(layer, optimizer);
        Assert.NotEqual(fresh.Parameters()[^1].ToArray(), compiledParameters[^1].ToArray());
    }

    internal static (Layer Model, Optimizer Optimizer, List<(Tensor X, Tensor Y)> Data) Build(string layer, string optimizer)
    {
        Generator.ManualSeed(11);
        var (model, inputShape, indices) = LayerCases.Create(layer);
        var generator = new Generator(5);
        var data = new List<(Tensor, Tensor)>();
        foreach (int batch in new[] { 6, 6, 4, 6 }.Take(Steps))
        {
            Tensor x = indices
                ? Tensor.RandInt(0, 10, [batch, .. inputShape], generator)
                : Tensor.RandN([batch, .. inputShape], generator);
            data.Add((x, Tensor.RandN([batch, 3], generator)));
        }

        model.Build(new Shape(inputShape), indices ? DType.Int64 : DType.Float32);
        return (model, OptimizerCases.Create(optimizer, model), data);
    }

    private static TensorSpec Spec(Tensor t) => new([Dim.B, .. t.Shape.ToArray()[1..].Select(Dim.Fixed)], t.DType);

    private static void AssertClose(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual, string what)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, value) in expected)
        {
            AssertClose(value, actual[name], $"{what}: {name}");
        }
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        // The same update kernels run in the same order; forward and gradient values differ at most by float32 rounding
        // where the compiled graph fuses elementwise chains.
        double error = actual.MaxRelativeError(expected);
        Assert.True(error <= 1e-5, $"{what}: relative error {error}");
    }
}

/// <summary>The layers of the equivalence table, each in a small model ending in 3 outputs.</summary>
internal static class LayerCases
{
    public static readonly string[] Names = ["dense", "conv2d", "max_pool2d", "avg_pool2d", "conv_options", "batch_norm", "layer_norm", "dropout", "embedding"];

    public static (Layer Model, int[] InputShape, bool Indices) Create(string name) => name switch
    {
        "dense" => (new Sequential(new Dense(4, "tanh"), new Dense(3)), [5], false),
        "conv2d" => (new Sequential(new Conv2D(2, 3), new Flatten(), new Dense(3)), [1, 5, 5], false),
        "max_pool2d" => (new Sequential(new Conv2D(2, 3), new MaxPool2D(2), new Flatten(), new Dense(3)), [1, 6, 6], false),
        "avg_pool2d" => (new Sequential(new Conv2D(2, 3), new AvgPool2D(2), new Flatten(), new Dense(3)), [1, 6, 6], false),
        // PyTorch's options together: grouped reflect-padded "same" conv at stride (2, 1), a grouped transposed conv,
        // rectangular ceil-mode max pooling and average pooling that excludes its padding.
        "conv_options" => (new Sequential(
            new Conv2D(4, (3, 2), stride: (2, 1), padding: "same", groups: 2, paddingMode: PaddingMode.Reflect),
            new ConvTranspose2D(2, 2, stride: 2, groups: 2),
            new MaxPool2D((2, 3), ceilMode: true),
            new AvgPool2D(2, stride: 1, padding: 1, ceilMode: true, countIncludePad: false),
            new Flatten(), new Dense(3)), [2, 6, 6], false),
        "batch_norm" => (new Sequential(new Dense(4), new BatchNorm(), new Dense(3)), [5], false),
        "layer_norm" => (new Sequential(new Dense(4), new LayerNorm(4), new Dense(3)), [5], false),
        "dropout" => (new Sequential(new Dense(8, "relu"), new Dropout(0.3, seed: 5), new Dense(3)), [5], false),
        "embedding" => (new Sequential(new Embedding(10, 4), new Flatten(), new Dense(3)), [2], true),
        _ => throw new ArgumentException(name),
    };
}

/// <summary>The optimizers of the equivalence table, with a schedule, clipping and weight decay where they apply.</summary>
internal static class OptimizerCases
{
    public static readonly string[] Names = ["sgd", "sgd_momentum_nesterov_decay", "adam_clip", "adamw_schedule", "rmsprop_momentum", "adagrad_decay",
        "adam_amsgrad", "adamw_amsgrad", "rmsprop_centered_momentum", "nadam", "radam_decoupled"];

    public static Optimizer Create(string name, Layer model) => name switch
    {
        "sgd" => new Sgd(model, 0.05),
        "sgd_momentum_nesterov_decay" => new Sgd(model, 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3),
        "adam_clip" => new Adam(model, 0.01) { ClipNorm = 0.5 },
        "adamw_schedule" => new AdamW(model, 0.01) { Schedule = new StepDecay(0.01, 2, 0.5) },
        "rmsprop_momentum" => new RmsProp(model, 0.01, momentum: 0.5),
        "adagrad_decay" => new Adagrad(model, 0.05, weightDecay: 1e-3),
        "adam_amsgrad" => new Adam(model, 0.01, weightDecay: 1e-3, amsgrad: true),
        "adamw_amsgrad" => new AdamW(model, 0.01, amsgrad: true) { ClipNorm = 0.5 },
        "rmsprop_centered_momentum" => new RmsProp(model, 0.01, momentum: 0.5, centered: true),
        "nadam" => new NAdam(model, 0.01) { Schedule = new StepDecay(0.01, 2, 0.5) },
        "radam_decoupled" => new RAdam(model, 0.01, weightDecay: 0.01, decoupledWeightDecay: true),
        _ => throw new ArgumentException(name),
    };
}
