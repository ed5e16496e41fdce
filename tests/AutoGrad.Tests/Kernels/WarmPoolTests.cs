using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.Kernels;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Ops.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Kernels;

/// <summary>
/// <see cref="Parallelism.KeepWarm"/>: the scope's bookkeeping, and that what runs split while the workers are warm
/// (medium products, optimizer updates, a compiled step's plan) gives the same bits as one thread.
/// </summary>
[Collection(nameof(SettingsCollection))]
public class WarmPoolTests
{
    [Fact]
    public void KeepWarm_NestedScopes_StayWarmUntilTheLastCloses_AndDoNothingOnOneThread()
    {
        int before = Settings.NumThreads;
        try
        {
            Settings.NumThreads = 2;
            Assert.False(Parallelism.IsWarm);
            WarmScope outer = Parallelism.KeepWarm();
            WarmScope inner = Parallelism.KeepWarm();
            Assert.True(Parallelism.IsWarm);
            outer.Dispose();
            Assert.True(Parallelism.IsWarm);
            inner.Dispose();
            Assert.False(Parallelism.IsWarm);

            Settings.NumThreads = 1;
            using (Parallelism.KeepWarm())
            {
                Assert.False(Parallelism.IsWarm);
            }
        }
        finally
        {
            Settings.NumThreads = before;
        }
    }

    [Fact]
    public void KeepWarm_OpenedAfterTheWorkersParked_RegionsStillRunEveryPartOnce()
    {
        int before = Settings.NumThreads;
        try
        {
            Settings.NumThreads = 2;
            for (int round = 0; round < 20; round++)
            {
                // Long enough for the worker to park (it spins 50 µs), so KeepWarm has to wake it.
                Thread.Sleep(2);
                using (Parallelism.KeepWarm())
                {
                    var body = new CountingBody(257);
                    Parallelism.For(257, body, maxThreads: 2);
                    Assert.All(body.Calls, calls => Assert.Equal(1, calls));
                }
            }

            Assert.False(Parallelism.IsWarm);
        }
        finally
        {
            Settings.NumThreads = before;
        }
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    [InlineData("adamw_amsgrad")]
    [InlineData("rmsprop")]
    [InlineData("adagrad")]
    [InlineData("nadam")]
    [InlineData("radam")]
    public void OptimizerUpdate_SplitWhileWarm_IsBitIdenticalToOneThread(string optimizer)
    {
        // Odd-sized, so the parts end inside a vector and the last one is short.
        const int size = (4 * OptimizerUpdateOp.WarmMinElementsPerThread) + 37;
        int before = Settings.NumThreads;
        try
        {
            Settings.NumThreads = 1;
            float[] one = Train(optimizer, size);
            Settings.NumThreads = 2;
            using (Parallelism.KeepWarm())
            {
                Assert.Equal(2, Parallelism.ThreadsFor(size, OptimizerUpdateOp.WarmMinElementsPerThread));
            }

            float[] two = Train(optimizer, size);
            Assert.Equal(one, two);
            Assert.NotEqual(Tensor.Rand([size], new Generator(3)).ToArray<float>(), one);
        }
        finally
        {
            Settings.NumThreads = before;
        }
    }

    [Theory]
    [InlineData(DataParallel.Off)]
    [InlineData(DataParallel.On)]
    public void CompiledMlpStep_OneAndTwoWarmThreads_AreBitIdentical(DataParallel mode)
    {
        // Batch 64 through 784-128-10 with Adam. Whole, its 12.8 MFLOP products and its 100,352-element update split only
        // while the plan holds the workers warm; split into row blocks, the blocks' gradient sums and the update split
        // while the step holds them warm.
        int before = Settings.NumThreads;
        try
        {
            Settings.NumThreads = 1;
            (float[] oneW, double[] oneLosses) = TrainMlp(mode);
            Settings.NumThreads = 2;
            (float[] twoW, double[] twoLosses) = TrainMlp(mode);
            Assert.Equal(oneLosses, twoLosses);
            Assert.Equal(oneW, twoW);
        }
        finally
        {
            Settings.NumThreads = before;
        }
    }

    private static float[] Train(string optimizer, int size)
    {
        Tensor p = Tensor.Rand([size], new Generator(3)).RequireGrad();
        Optimizer o = optimizer switch
        {
            "sgd" => new Sgd([p], 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3),
            "adam" => new Adam([p], 0.01, weightDecay: 1e-3),
            "adamw_amsgrad" => new AdamW([p], 0.01, amsgrad: true),
            "rmsprop" => new RmsProp([p], 0.01, momentum: 0.9, centered: true),
            "adagrad" => new Adagrad([p], 0.1),
            "nadam" => new NAdam([p], 0.01),
            _ => new RAdam([p], 0.01),
        };
        for (int step = 0; step < 7; step++)
        {
            o.ZeroGrad();
            (p.Square() * p).Sum().Backward();
            using (Parallelism.KeepWarm())
            {
                o.Step();
            }
        }

        return p.ToArray<float>();
    }

    private static (float[] Weights, double[] Losses) TrainMlp(DataParallel mode)
    {
        Generator.ManualSeed(5);
        var model = new Sequential(new Dense(128, "relu"), new Dense(10));
        var x = Tensor.Rand([64, 784], new Generator(6));
        var y = Tensor.Rand([64, 10], new Generator(7));
        model.Call(x);
        var loss = new CrossEntropy();
        var step = CompiledTrainingStep.Create((a, b) => loss.Compute(model.Call(a), b), TensorSpec.Batched(784), TensorSpec.Batched(10),
            new Adam(model.Parameters(), 1e-3), mode);
        double[] losses = [.. Enumerable.Range(0, 4).Select(_ => step.Step(x, y))];
        return ([.. model.Parameters().SelectMany(p => p.ToArray<float>())], losses);
    }

    private sealed class CountingBody(int count) : IParallelBody
    {
        public int[] Calls { get; } = new int[count];

        public void Execute(int index) => Interlocked.Increment(ref Calls[index]);
    }
}
