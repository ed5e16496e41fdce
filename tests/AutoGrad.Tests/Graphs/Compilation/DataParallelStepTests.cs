using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using AutoGrad.Tests.OneWorld;

namespace AutoGrad.Tests.Graphs.Compilation;

/// <summary>
/// The data-parallel split of a compiled training step: proved valid from the graph, exact up to rounding against the
/// unsplit step (odd and changing batch sizes included), refused for batch statistics and random ops, and independent of
/// the thread count.
/// </summary>
public class DataParallelStepTests
{
    private static readonly int[] BatchSizes = [7, 9, 6, 3];

    public static TheoryData<string, string> SplittableCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string layer in new[] { "dense", "conv2d", "max_pool2d", "avg_pool2d", "layer_norm" })
        {
            foreach (string optimizer in new[] { "sgd_momentum_nesterov_decay", "adam_clip" })
            {
                data.Add(layer, optimizer);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SplittableCases))]
    public void SplitSteps_MatchUnsplitSteps_InFloat64(string layer, string optimizer)
    {
        var (splitModel, splitLosses, splitStep) = Train(layer, optimizer, DataParallel.On);
        var (wholeModel, wholeLosses, wholeStep) = Train(layer, optimizer, DataParallel.Off);

        Assert.True(splitStep.IsBatchSplittable, splitStep.NotSplittableReason);
        Assert.True(splitStep.SplitsBatch(7));
        Assert.False(wholeStep.SplitsBatch(7));
        for (int i = 0; i < splitLosses.Count; i++)
        {
            Assert.True(Math.Abs(splitLosses[i] - wholeLosses[i]) <= 1e-9 * Math.Max(1, Math.Abs(wholeLosses[i])), $"step {i}: {splitLosses[i]} vs {wholeLosses[i]}");
        }

        foreach (var (name, value) in wholeModel.StateDict())
        {
            double error = splitModel.StateDict()[name].MaxRelativeError(value);
            Assert.True(error <= 1e-6, $"{name}: relative error {error}");
        }

        // Training moved the weights, so agreement is not the trivial kind.
        var (fresh, _, _) = Build(layer, optimizer);
        Assert.NotEqual(fresh.Parameters()[^1].ToArray<double>(), splitModel.Parameters()[^1].ToArray<double>());
    }

    [Theory]
    [InlineData("batch_norm", "writes state")]
    [InlineData("dropout", "random")]
    public void RowMixingOrRandomModels_AreNotSplit_AndTrainExactlyAsUnsplit(string layer, string why)
    {
        var (autoModel, autoLosses, autoStep) = Train(layer, "adam_clip", DataParallel.Auto);
        var (wholeModel, wholeLosses, _) = Train(layer, "adam_clip", DataParallel.Off);

        Assert.False(autoStep.IsBatchSplittable);
        Assert.Contains(why, autoStep.NotSplittableReason);
        Assert.False(autoStep.SplitsBatch(1 << 20));
        Assert.Equal(1, autoStep.RowBlocks(1 << 20));
        Assert.Equal(wholeLosses, autoLosses);
        foreach (var (name, value) in wholeModel.StateDict())
        {
            Assert.Equal(value.ToArray<double>(), autoModel.StateDict()[name].ToArray<double>());
        }

        var (model, optimizerInstance, data) = Build(layer, "adam_clip");
        var loss = new MeanSquaredError();
        var error = Assert.Throws<InvalidOperationException>(() => CompiledTrainingStep.Create(
            (x, y) => loss.Compute(model.Call(x), y), Spec(data[0].X), Spec(data[0].Y), optimizerInstance, DataParallel.On));
        Assert.Contains(why, error.Message);
    }

    [Fact]
    public void Analysis_FollowsTheLossStructure()
    {
        var w = Tensor.RandN([4, 3], new Generator(1), DType.Float64);
        w.Name = "w";
        w.RequiresGrad = true;
        var spec = TensorSpec.Batched(DType.Float64, 4);
        var target = TensorSpec.Batched(DType.Float64, 3);
        CompiledTrainingStep StepOf(Func<Tensor, Tensor, Tensor> f) => CompiledTrainingStep.Create(f, spec, target, new Sgd([w], 0.1));

        // A mean plus a shared penalty: the halves' weights n_i/B sum to one, so the penalty is counted once.
        Assert.True(StepOf((x, y) => (x.MatMul(w) - y).Square().Mean() + w.Square().Sum()).IsBatchSplittable);
        // A sum plus a shared penalty would count the penalty once per half.
        Assert.False(StepOf((x, y) => (x.MatMul(w) - y).Square().Sum() + w.Square().Sum()).IsBatchSplittable);
        Assert.True(StepOf((x, y) => (x.MatMul(w) - y).Square().Sum() * 0.5).IsBatchSplittable);
        // A softmax along the batch axis, a max over it, and a product of two means all mix the examples.
        Assert.False(StepOf((x, y) => (x.MatMul(w).Softmax(0) * y).Sum()).IsBatchSplittable);
        Assert.False(StepOf((x, y) => (x.MatMul(w) - y).Max([0]).Sum()).IsBatchSplittable);
        Assert.False(StepOf((x, y) => x.MatMul(w).Mean() * y.Mean()).IsBatchSplittable);
        // xᵀ·y contracts over the examples.
        Assert.False(StepOf((x, y) => x.MatMul(y, transposeThis: true, transposeOther: false).MatMul(w.Transpose()).Sum()).IsBatchSplittable);
    }

    [Fact]
    public void GroupNormAndIntegerLabelCrossEntropy_AreSplittable_AndMatchTheUnsplitStep()
    {
        (Layer Model, double Loss) Run(DataParallel mode)
        {
            Generator.ManualSeed(3);
            var model = new Sequential(new Conv2D(4, 3), new GroupNorm(2, 4), new Flatten(), new Dense(5));
            model.To(DType.Float64);
            model.Build(new Shape(1, 6, 6), DType.Float64);
            var loss = new CrossEntropy();
            var step = CompiledTrainingStep.Create((x, y) => loss.Compute(model.Call(x), y),
                TensorSpec.Batched(DType.Float64, 1, 6, 6), TensorSpec.Batched(DType.Int64), new Adam(model, 0.01), mode);
            Assert.True(mode == DataParallel.Off || step.IsBatchSplittable, step.NotSplittableReason);
            Tensor x = Tensor.RandN([5, 1, 6, 6], new Generator(4), DType.Float64);
            Tensor labels = Tensor.RandInt(0, 5, [5], new Generator(6));
            double first = step.Step(x, labels);
            step.Step(x, labels);
            return (model, first);
        }

        var (split, splitLoss) = Run(DataParallel.On);
        var (whole, wholeLoss) = Run(DataParallel.Off);
        Assert.True(Math.Abs(splitLoss - wholeLoss) <= 1e-9 * Math.Abs(wholeLoss), $"{splitLoss} vs {wholeLoss}");
        foreach (var (name, value) in whole.StateDict())
        {
            Assert.True(split.StateDict()[name].MaxRelativeError(value) <= 1e-6, name);
        }
    }

    [Fact]
    public void SumLoss_WithUnequalHalves_GivesTheUnsplitGradient()
    {
        double[] Run(DataParallel mode)
        {
            var w = Tensor.RandN([4, 3], new Generator(1), DType.Float64);
            w.Name = "w";
            w.RequiresGrad = true;
            var step = CompiledTrainingStep.Create((x, y) => (x.MatMul(w).Tanh() - y).Square().Sum(),
                TensorSpec.Batched(DType.Float64, 4), TensorSpec.Batched(DType.Float64, 3), new Sgd([w], 0.01), mode);
            Tensor x = Tensor.RandN([5, 4], new Generator(2), DType.Float64), y = Tensor.RandN([5, 3], new Generator(3), DType.Float64);
            double loss = step.Step(x, y);
            return [loss, .. w.ToArray<double>()];
        }

        double[] split = Run(DataParallel.On), whole = Run(DataParallel.Off);
        for (int i = 0; i < whole.Length; i++)
        {
            Assert.True(Math.Abs(split[i] - whole[i]) <= 1e-12 * Math.Max(1, Math.Abs(whole[i])), $"{i}: {split[i]} vs {whole[i]}");
        }
    }

    [Fact]
    public void TwoInputsAndTwoTargets_SplitStepsMatchTheUnsplitStep_AndAnEagerStep()
    {
        // Three steps of one step object over two inputs (one of them shared, without a batch axis) and two targets,
        // split into row blocks, whole, and eagerly with the optimizer's own Step: the same losses and weights.
        (double[] Losses, double[] Weights) Run(DataParallel? mode)
        {
            var w = Tensor.RandN([4, 3], new Generator(1), DType.Float64);
            w.Name = "w";
            w.RequiresGrad = true;
            var optimizer = new Adam([w], 0.01);
            Tensor Loss(Tensor[] x, Tensor[] y)
            {
                Tensor h = x[0].MatMul(w).Tanh() * x[1];
                return (h - y[0]).Square().Mean() + (h.Sum(1, keepDims: true) - y[1]).Abs().Mean() * 0.5;
            }

            var g = new Generator(2);
            Tensor[] inputs = [Tensor.RandN([7, 4], g, DType.Float64), Tensor.RandN([3], g, DType.Float64)];
            Tensor[] targets = [Tensor.RandN([7, 3], g, DType.Float64), Tensor.RandN([7, 1], g, DType.Float64)];
            var losses = new double[3];
            if (mode is { } m)
            {
                var step = CompiledTrainingStep.Create(Loss,
                    [TensorSpec.Batched(DType.Float64, 4), TensorSpec.Fixed(new Shape(3), DType.Float64)],
                    [TensorSpec.Batched(DType.Float64, 3), TensorSpec.Batched(DType.Float64, 1)], optimizer, m);
                Assert.Equal(m == DataParallel.On, step.SplitsBatch(7));
                for (int i = 0; i < losses.Length; i++)
                {
                    losses[i] = step.Step(inputs, targets);
                }
            }
            else
            {
                for (int i = 0; i < losses.Length; i++)
                {
                    optimizer.ZeroGrad();
                    Tensor loss = Loss(inputs, targets);
                    loss.Backward();
                    optimizer.Step();
                    losses[i] = loss.ItemDouble();
                }
            }

            return (losses, w.ToArray<double>());
        }

        var split = Run(DataParallel.On);
        var whole = Run(DataParallel.Off);
        var eager = Run(null);
        foreach (var (actual, expected) in new[] { (split.Losses, whole.Losses), (split.Weights, whole.Weights), (whole.Losses, eager.Losses), (whole.Weights, eager.Weights) })
        {
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-9 * Math.Max(1, Math.Abs(expected[i])), $"{i}: {actual[i]} vs {expected[i]}");
            }
        }

        // The steps trained: the loss fell.
        Assert.True(whole.Losses[2] < whole.Losses[0], $"{whole.Losses[0]} -> {whole.Losses[2]}");
    }

    [Fact]
    public void TwoInputs_WrongNumberOfTensors_ThrowsNamingBothCounts()
    {
        var w = Tensor.RandN([4, 3], new Generator(1));
        w.Name = "w";
        w.RequiresGrad = true;
        var step = CompiledTrainingStep.Create((x, y) => (x[0].MatMul(w) + x[1] - y[0]).Square().Mean(),
            [TensorSpec.Batched(4), TensorSpec.Batched(3)], [TensorSpec.Batched(3)], new Sgd([w], 0.1));
        var error = Assert.Throws<ArgumentException>(() => step.Step(Tensor.Ones([2, 4]), Tensor.Ones([2, 3])));
        Assert.Contains("traced with 2 input(s) and 1 target(s); 1 and 1 were given", error.Message);
    }

    [Fact]
    public void TargetWithoutBatchAxis_GoesWholeToBothHalves()
    {
        double[] Run(DataParallel mode)
        {
            var w = Tensor.RandN([4, 3], new Generator(1), DType.Float64);
            w.Name = "w";
            w.RequiresGrad = true;
            var step = CompiledTrainingStep.Create((x, t) => (x.MatMul(w) - t).Square().Mean(),
                TensorSpec.Batched(DType.Float64, 4), TensorSpec.Fixed(new Shape(3), DType.Float64), new Adam([w], 0.01), mode);
            Tensor x = Tensor.RandN([7, 4], new Generator(2), DType.Float64), t = Tensor.RandN([3], new Generator(3), DType.Float64);
            double loss = step.Step(x, t);
            return [loss, step.Step(x, t), .. w.ToArray<double>()];
        }

        double[] split = Run(DataParallel.On), whole = Run(DataParallel.Off);
        for (int i = 0; i < whole.Length; i++)
        {
            Assert.True(Math.Abs(split[i] - whole[i]) <= 1e-9 * Math.Max(1, Math.Abs(whole[i])), $"{i}: {split[i]} vs {whole[i]}");
        }
    }

    [Fact]
    public void Auto_SplitsByWorkPerStepAndPerWeight_NotByThreads()
    {
        var mlp = new Sequential(new Dense(128, "relu"), new Dense(10));
        mlp.Build(new Shape(784));
        var loss = new CrossEntropy();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(mlp.Call(x), y), TensorSpec.Batched(784), TensorSpec.Batched(10), new Adam(mlp));

        // Forward 2·(784·128 + 128·10) flops per example, backward about twice that (the input gradient is not needed).
        double forward = 2.0 * ((784 * 128) + (128 * 10));
        Assert.InRange(step.FlopsPerExample, 2 * forward, 3.2 * forward);
        // A dense layer uses each weight a few times per example: it splits only once the batch amortizes each half's
        // per-weight cost (101,770 weights).
        int smallest = (int)Math.Ceiling(CompiledTrainingStep.SplitFlopsPerParameter * 101_770 / step.FlopsPerExample);
        Assert.False(step.SplitsBatch(64));
        Assert.False(step.SplitsBatch(smallest - 1));
        Assert.True(step.SplitsBatch(smallest));
        // The MNIST batches: 64 runs whole, 256 in two blocks (one per core); its 3 KB rows need no more blocks for cache.
        Assert.Equal(1, step.RowBlocks(64));
        Assert.Equal(2, step.RowBlocks(256));

        // A convolution reuses each weight over every position: a small CNN splits from small batches.
        var cnn = new Sequential(new Conv2D(8, 3), new MaxPool2D(2), new Conv2D(16, 3), new MaxPool2D(2), new Flatten(), new Dense(10));
        cnn.Build(new Shape(1, 28, 28));
        var cnnStep = CompiledTrainingStep.Create((x, y) => loss.Compute(cnn.Call(x), y), TensorSpec.Batched(1, 28, 28), TensorSpec.Batched(10), new Adam(cnn));
        long weights = cnn.Parameters().Sum(p => (long)p.Size);
        double needed = Math.Max(CompiledTrainingStep.SplitThresholdFlops, CompiledTrainingStep.SplitFlopsPerParameter * weights);
        int cnnSmallest = (int)Math.Ceiling(needed / cnnStep.FlopsPerExample);
        Assert.True(cnnSmallest < 16, $"{cnnSmallest}");
        Assert.False(cnnStep.SplitsBatch(cnnSmallest - 1));
        Assert.True(cnnStep.SplitsBatch(Math.Max(2, cnnSmallest)));
    }

    [Fact]
    public void SplitStep_AfterWarmUp_AllocatesNothing()
    {
        var (model, optimizer, data) = Build("dense", "adam_clip");
        var loss = new MeanSquaredError();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(model.Call(x), y), Spec(data[0].X), Spec(data[0].Y), optimizer, DataParallel.On);
        Assert.Equal(0, Allocations.AfterWarmUp(() => step.Step(data[0].X, data[0].Y)));
    }

    internal static (Layer Model, List<double> Losses, CompiledTrainingStep Step) Train(string layer, string optimizer, DataParallel mode)
    {
        var (model, optimizerInstance, data) = Build(layer, optimizer);
        var loss = new MeanSquaredError();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(model.Call(x), y), Spec(data[0].X), Spec(data[0].Y), optimizerInstance, mode);
        var losses = data.Select(batch => step.Step(batch.X, batch.Y)).ToList();
        return (model, losses, step);
    }

    internal static (Layer Model, Optimizer Optimizer, List<(Tensor X, Tensor Y)> Data) Build(string layer, string optimizer)
    {
        Generator.ManualSeed(11);
        var (model, inputShape, indices) = LayerCases.Create(layer);
        var generator = new Generator(5);
        var data = new List<(Tensor, Tensor)>();
        foreach (int batch in BatchSizes)
        {
            Tensor x = indices
                ? Tensor.RandInt(0, 10, [batch, .. inputShape], generator, DType.Float64)
                : Tensor.RandN([batch, .. inputShape], generator, DType.Float64);
            data.Add((x, Tensor.RandN([batch, 3], generator, DType.Float64)));
        }

        // Layers with eagerly created parameters (LayerNorm) are converted first; the others are built in float64.
        model.To(DType.Float64);
        model.Build(new Shape(inputShape), DType.Float64);
        return (model, OptimizerCases.Create(optimizer, model), data);
    }

    internal static TensorSpec Spec(Tensor t) => new([Dim.B, .. t.Shape.ToArray()[1..].Select(Dim.Fixed)], t.DType);
}

/// <summary>The split step with one worker thread and with two: the same code in the same order, so the same bits.</summary>
[Collection(nameof(SettingsCollection))]
public class DataParallelThreadCountTests
{
    [Theory]
    [InlineData("dense")]
    [InlineData("conv2d")]
    public void SplitStep_OneAndTwoThreads_AreBitIdentical(string layer)
    {
        var ((one, oneLosses, _), (two, twoLosses, _)) =
            ThreadCounts.OneAndTwo(() => DataParallelStepTests.Train(layer, "adam_clip", DataParallel.On));
        Assert.Equal(oneLosses, twoLosses);
        foreach (var (name, value) in one.StateDict())
        {
            Assert.Equal(value.ToArray<double>(), two.StateDict()[name].ToArray<double>());
        }
    }
}
