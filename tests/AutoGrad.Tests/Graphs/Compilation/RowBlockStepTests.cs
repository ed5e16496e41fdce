using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using AutoGrad.Tests.OneWorld;

namespace AutoGrad.Tests.Graphs.Compilation;

/// <summary>
/// A compiled training step run as K row blocks (the data-parallel split generalized from two halves): the tutorial
/// model 784-10(ReLU)-10 with softmax cross-entropy, made small, agrees with the whole step over several steps for block
/// counts that do not divide the batch, with SGD and Adam; the automatic block count follows the documented rule.
/// </summary>
public class RowBlockStepTests
{
    [Theory]
    [InlineData("sgd", 37, 4)]
    [InlineData("sgd", 41, 6)]
    [InlineData("adam", 37, 6)]
    [InlineData("adam", 23, 22)]
    public void BlockedSteps_MatchTheWholeStep_InFloat64(string optimizer, int batch, int blocks)
    {
        var (blockedParameters, blockedLosses, blockedStep) = TrainTutorial(optimizer, batch, blocks, DataParallel.On);
        var (wholeParameters, wholeLosses, wholeStep) = TrainTutorial(optimizer, batch, 0, DataParallel.Off);

        Assert.Equal(blocks, blockedStep.RowBlocks(batch));
        Assert.Equal(1, wholeStep.RowBlocks(batch));
        for (int i = 0; i < wholeLosses.Count; i++)
        {
            Assert.True(Math.Abs(blockedLosses[i] - wholeLosses[i]) <= 1e-9 * Math.Max(1, Math.Abs(wholeLosses[i])), $"step {i}: {blockedLosses[i]} vs {wholeLosses[i]}");
        }

        for (int p = 0; p < wholeParameters.Length; p++)
        {
            double error = blockedParameters[p].MaxRelativeError(wholeParameters[p]);
            Assert.True(error <= 1e-6, $"parameter {p}: relative error {error}");
        }

        // The steps moved the weights, so agreement is not the trivial kind.
        var (fresh, _, _) = TrainTutorial(optimizer, batch, 0, DataParallel.Off, steps: 0);
        Assert.True(fresh[0].MaxRelativeError(wholeParameters[0]) > 1e-4);
    }

    [Fact]
    public void Auto_ChoosesBlocksThatFitTheBudget_FromBatchAndGraphOnly()
    {
        var (_, _, step) = TrainTutorial("sgd", 8, 0, DataParallel.Auto, steps: 0, dtype: DType.Float32);

        // The inputs' bytes per example: 784 pixels and 10 targets in float32.
        Assert.Equal((784 + 10) * 4, step.BytesPerExample);
        foreach (int batch in new[] { 2048, 60_000 })
        {
            int blocks = step.RowBlocks(batch);
            Assert.True(blocks >= 4 && blocks % 2 == 0, $"{batch}: {blocks} blocks");
            // The longest block fits the budget, and two fewer blocks would not have.
            int longest = (batch + blocks - 1) / blocks;
            Assert.True((long)longest * step.BytesPerExample <= CompiledTrainingStep.RowBlockBytes, $"{batch}: {longest} rows");
            Assert.True((long)batch * step.BytesPerExample > (blocks - 2) * (long)CompiledTrainingStep.RowBlockBytes);
            // Every pair of blocks still does the work that justifies one split.
            double perPair = Math.Max(CompiledTrainingStep.SplitThresholdFlops, CompiledTrainingStep.SplitFlopsPerParameter * ((784 * 10) + 10 + 100 + 10));
            Assert.True(step.FlopsPerExample * batch >= blocks / 2 * perPair);
        }

        // A small batch that fits the budget runs in two blocks (one per core) once its work is enough, else whole.
        int smallest = (int)Math.Ceiling(CompiledTrainingStep.SplitFlopsPerParameter * 7960 / step.FlopsPerExample);
        Assert.Equal(2, step.RowBlocks(smallest));
        Assert.Equal(1, step.RowBlocks(smallest - 1));
    }

    /// <summary>Trains the tutorial model (784 → 10 inputs here: 12 features, so the test is fast) for a few steps on one
    /// batch; returns the parameters, the losses and the step.</summary>
    internal static (Tensor[] Parameters, List<double> Losses, CompiledTrainingStep Step) TrainTutorial(
        string optimizer, int batch, int blocks, DataParallel mode, int steps = 4, DType dtype = DType.Float64, int features = 12)
    {
        if (dtype == DType.Float32)
        {
            features = 784;
        }

        var generator = new Generator(5);
        Tensor w1 = Tensor.Uniform([features, 10], -0.5, 0.5, generator, dtype).RequireGrad();
        Tensor b1 = Tensor.Uniform([10], -0.5, 0.5, generator, dtype).RequireGrad();
        Tensor w2 = Tensor.Uniform([10, 10], -0.5, 0.5, generator, dtype).RequireGrad();
        Tensor b2 = Tensor.Uniform([10], -0.5, 0.5, generator, dtype).RequireGrad();
        (w1.Name, b1.Name, w2.Name, b2.Name) = ("w1", "b1", "w2", "b2");
        Tensor[] parameters = [w1, b1, w2, b2];
        Optimizer instance = optimizer == "adam" ? new Adam(parameters, 0.01) : new Sgd(parameters, 0.1);
        var step = CompiledTrainingStep.Create((x, y) =>
        {
            Tensor logits = x.MatMul(w1).Add(b1).Relu().MatMul(w2).Add(b2);
            return y.Mul(logits.LogSoftmax(-1)).Sum(-1).Mean().Neg();
        }, TensorSpec.Batched(dtype, features), TensorSpec.Batched(dtype, 10), instance, mode);
        step.ForcedRowBlocks = blocks;

        var data = new Generator(7);
        Tensor input = Tensor.RandN([batch, features], data, dtype);
        Tensor labels = Tensor.RandInt(0, 10, [batch], data);
        Tensor target = labels.OneHot(10, dtype);
        var losses = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            losses.Add(step.Step(input, target));
        }

        return (parameters, losses, step);
    }
}

/// <summary>Row blocks with one worker thread and with two: the same blocks summed in the same order, so the same bits;
/// and no allocation per step once warm.</summary>
[Collection(nameof(SettingsCollection))]
public class RowBlockThreadCountTests
{
    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void BlockedStep_OneAndTwoThreads_AreBitIdentical(string optimizer)
    {
        var ((one, oneLosses, _), (two, twoLosses, _)) =
            ThreadCounts.OneAndTwo(() => RowBlockStepTests.TrainTutorial(optimizer, 53, 10, DataParallel.On));
        Assert.Equal(oneLosses, twoLosses);
        for (int p = 0; p < one.Length; p++)
        {
            Assert.Equal(one[p].ToArray<double>(), two[p].ToArray<double>());
        }
    }

    [Fact]
    public void AutoBlockedStep_AtThousandRows_AllocatesNothingPerStep()
    {
        int before = Settings.NumThreads;
        try
        {
            // One thread, so every part runs on this thread and the allocation counter sees all of them.
            Settings.NumThreads = 1;
            var (_, _, step) = RowBlockStepTests.TrainTutorial("sgd", 2, 0, DataParallel.Auto, steps: 0, dtype: DType.Float32);
            Assert.True(step.RowBlocks(1024) >= 4, $"{step.RowBlocks(1024)} blocks");
            var generator = new Generator(7);
            Tensor x = Tensor.RandN([1024, 784], generator);
            Tensor y = Tensor.RandInt(0, 10, [1024], generator).OneHot(10);
            // A second batch (other tensors, as pre-made batches of an epoch are): once both have been seen, neither allocates.
            Tensor x2 = x.Mul(0.5f), y2 = y.Clone();
            double first = step.Step(x, y);
            double last = 0;
            Assert.Equal(0, Allocations.AfterWarmUp(
                () =>
                {
                    step.Step(x2, y2);
                    last = step.Step(x, y);
                },
                warmUp: 1,
                runs: 3));
            // Training moves the loss (the steps ran, they were not skipped).
            Assert.True(last < first, $"{first} then {last}");
        }
        finally
        {
            Settings.NumThreads = before;
        }
    }
}
