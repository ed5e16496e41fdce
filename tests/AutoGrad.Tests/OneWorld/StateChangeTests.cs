using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;
using AutoGrad.Tests.Graphs;

namespace AutoGrad.Tests.OneWorld;

/// <summary>State changes are ops: tracing changes nothing, compiled steps change everything eager steps do, checkpoints cross over.</summary>
public class StateChangeTests
{
    [Fact]
    public void Tracing_LeavesEveryParameterBufferAndGeneratorUnchanged()
    {
        Generator.ManualSeed(4);
        var model = new Sequential(new Dense(6, "relu"), new BatchNorm(), new Dropout(0.5, seed: 9), new Dense(2));
        model.Build(new Shape(3));
        var optimizer = new Adam(model, 0.01);
        string before = Fingerprint(model);
        var probe = new Dropout(0.5, seed: 9);

        var loss = new MeanSquaredError();
        Graph forward = Graph.Trace(x => model.Call(x), TensorSpec.Batched(3));
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(model.Call(x), y), TensorSpec.Batched(3), TensorSpec.Batched(2), optimizer);

        Assert.Equal(before, Fingerprint(model));
        Assert.Equal(0, optimizer.StepCount);
        Assert.Contains(step.Graph.Nodes, n => n.Op.Effect == AutoGrad.Ops.OpEffect.WritesState);
        Assert.NotEmpty(forward.Nodes);
        // The model's dropout generator was not advanced by the traces: its next mask equals a fresh twin's.
        var x = Tensor.Ones([4, 6]);
        Assert.Equal(probe.Call(x).ToArray(), ((Dropout)model.NamedLayers().Single(l => l.Value is Dropout).Value).Call(x).ToArray());
    }

    [Fact]
    public void CompiledSteps_UpdateBatchNormStatisticsAndEveryParameterIncludingTheLastBias()
    {
        Generator.ManualSeed(4);
        var model = new Sequential(new Dense(6), new BatchNorm(), new Dense(2));
        model.Build(new Shape(3));
        var initial = model.StateDict().ToDictionary(p => p.Key, p => p.Value.ToArray());
        var loss = new MeanSquaredError();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(model.Call(x), y), TensorSpec.Batched(3), TensorSpec.Batched(2), new Sgd(model, 0.1));
        var generator = new Generator(2);
        for (int i = 0; i < 5; i++)
        {
            step.Step(Tensor.RandN([8, 3], generator), Tensor.RandN([8, 2], generator));
        }

        foreach (var (name, value) in model.StateDict())
        {
            Assert.False(initial[name].SequenceEqual(value.ToArray()), $"{name} did not change in five compiled steps");
        }
    }

    [Fact]
    public void Checkpoint_WrittenDuringCompiledTraining_ContinuesIdenticallyEagerAndBack()
    {
        string path = Path.Combine(Path.GetTempPath(), $"autograd-oneworld-{Guid.NewGuid():N}.safetensors");
        try
        {
            var (compiledModel, compiledOptimizer, data) = EagerCompiledEquivalenceTests.Build("batch_norm", "adam_clip");
            var loss = new MeanSquaredError();
            var step = CompiledTrainingStep.Create((x, y) => loss.Compute(compiledModel.Call(x), y),
                TensorSpec.Batched(5), TensorSpec.Batched(3), compiledOptimizer);
            step.Step(data[0].X, data[0].Y);
            step.Step(data[1].X, data[1].Y);
            compiledModel.Save(path, compiledOptimizer);

            // Eager model and optimizer from the file continue as the compiled one does.
            var (eagerModel, eagerOptimizer, _) = EagerCompiledEquivalenceTests.Build("batch_norm", "adam_clip");
            eagerModel.Load(path, eagerOptimizer);
            foreach (var (x, y) in data.Skip(2))
            {
                step.Step(x, y);
                eagerOptimizer.ZeroGrad();
                loss.Compute(eagerModel.Call(x), y).Backward();
                eagerOptimizer.Step();
            }

            foreach (var (name, value) in compiledModel.StateDict())
            {
                Assert.True(value.MaxRelativeError(eagerModel.StateDict()[name]) <= 1e-5, name);
            }

            // And back: the eager state loaded into the compiled optimizer; the step retraces onto the same tensors.
            eagerModel.Save(path, eagerOptimizer);
            compiledModel.Load(path, compiledOptimizer);
            Assert.Equal(eagerOptimizer.StepCount, compiledOptimizer.StepCount);
            step.Step(data[0].X, data[0].Y);
            eagerOptimizer.ZeroGrad();
            loss.Compute(eagerModel.Call(data[0].X), data[0].Y).Backward();
            eagerOptimizer.Step();
            foreach (var (name, value) in compiledModel.StateDict())
            {
                Assert.True(value.MaxRelativeError(eagerModel.StateDict()[name]) <= 1e-5, name);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void CompiledStep_AfterWarmUp_AllocatesNothingForEveryOptimizer(string optimizer)
    {
        Generator.ManualSeed(1);
        var model = new Sequential(new Dense(16, "relu"), new Dense(4));
        model.Build(new Shape(8));
        var loss = new MeanSquaredError();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(model.Call(x), y), TensorSpec.Batched(8), TensorSpec.Batched(4),
            OptimizerCases.Create(optimizer, model));
        Tensor input = Tensor.RandN([32, 8], new Generator(1)), target = Tensor.RandN([32, 4], new Generator(2));
        Assert.Equal(0, Allocations.AfterWarmUp(() => step.Step(input, target)));
    }

    public static TheoryData<string> Optimizers => [.. OptimizerCases.Names];

    [Fact]
    public void CompiledGraph_WhereWithBroadcastOperands_AllocatesNothingAndMatchesEager()
    {
        // A scalar branch (and where's own gradient, whose zero is a scalar) broadcasts on every run.
        var graph = Graph.Trace(x => Tensor.Where(x.Greater(0.0), x, Tensor.Scalar(-1.0)).Square().Sum(), TensorSpec.Batched(5, 4));
        var compiled = graph.Gradient(allowUnused: true).Compile();
        Tensor input = Tensor.RandN([8, 5, 4], new Generator(3));
        IReadOnlyList<Tensor> outputs = [];
        Assert.Equal(0, Allocations.AfterWarmUp(() => outputs = compiled.Run(input)));
        Tensor expected = Tensor.Where(input.Greater(0.0), input * 2.0, Tensor.Scalar(0.0));
        Assert.Equal(expected.ToArray(), outputs[^1].ToArray());
    }

    [Fact]
    public void CompiledGraph_ComparisonOfBroadcastOperands_AllocatesNothingAndMatchesEager()
    {
        // A causal-style mask: [B, 1, 4] against [4, 1] broadcasts both operands, so the comparison walks them.
        Tensor positions = Tensor.FromArray(new float[] { 0, 1, 2, 3 }, [4, 1]);
        var graph = Graph.Trace(x => Tensor.Where(x.LessEqual(positions), x, Tensor.Scalar(0.0)).Square().Sum(), TensorSpec.Batched(1, 4));
        var compiled = graph.Compile();
        Tensor input = Tensor.FromArray(new float[] { 0.5f, 2.5f, 1, 3, -1, 4, 2, 0.25f }, [2, 1, 4]);
        IReadOnlyList<Tensor> outputs = [];
        Assert.Equal(0, Allocations.AfterWarmUp(() => outputs = compiled.Run(input)));
        // Independent count: row p of each example keeps the values ≤ p.
        double expected = 0;
        double[] values = [0.5, 2.5, 1, 3, -1, 4, 2, 0.25];
        for (int b = 0; b < 2; b++)
        {
            for (int p = 0; p < 4; p++)
            {
                for (int t = 0; t < 4; t++)
                {
                    double v = values[(b * 4) + t];
                    expected += v <= p ? v * v : 0;
                }
            }
        }

        Assert.Equal(expected, outputs[0].ItemDouble(), 5);
    }

    [Fact]
    public void CompiledGraph_SumOverNonAdjacentAxes_AllocatesNothingAndMatchesALoop()
    {
        // BatchNorm's per-channel sums reduce axes (0, 2, 3) of [B, C, H, W]: two staged reductions with an intermediate.
        var graph = Graph.Trace(x => x.Sum([0, 2, 3]), TensorSpec.Batched(DType.Float64, 3, 4, 5));
        var compiled = graph.Compile();
        Tensor input = Tensor.RandN([2, 3, 4, 5], new Generator(6), DType.Float64);
        IReadOnlyList<Tensor> outputs = [];
        Assert.Equal(0, Allocations.AfterWarmUp(() => outputs = compiled.Run(input)));
        double[] values = input.ToArray<double>();
        for (int c = 0; c < 3; c++)
        {
            double expected = 0;
            for (int b = 0; b < 2; b++)
            {
                for (int hw = 0; hw < 20; hw++)
                {
                    expected += values[(((b * 3) + c) * 20) + hw];
                }
            }

            Assert.Equal(expected, outputs[0].ToArray<double>()[c], 12);
        }
    }

    [Fact]
    public void CompiledStep_AttentionBlock_AllocatesNothingAfterWarmUp()
    {
        // Attention's per-head products are batched matmuls; their broadcast walk is prepared once, not per step.
        Generator.ManualSeed(4);
        var model = new Sequential(new Dense(8), new TransformerEncoderBlock(8, 2, 16));
        model.Build(new Shape(5, 4));
        var loss = new MeanSquaredError();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(model.Call(x), y), TensorSpec.Batched(5, 4), TensorSpec.Batched(5, 8),
            new Adam(model, 1e-3), DataParallel.Off);
        Tensor input = Tensor.RandN([8, 5, 4], new Generator(1)), target = Tensor.RandN([8, 5, 8], new Generator(2));
        Assert.Equal(0, Allocations.AfterWarmUp(() => step.Step(input, target)));
    }

    [Theory]
    [InlineData(DType.Int64)]
    [InlineData(DType.Int32)]
    public void CompiledStep_WithIntegerLabels_AllocatesNothingAfterWarmUp(DType labels)
    {
        // Integer class labels reach one_hot/gather kernels on every step; reading them must not allocate either.
        Generator.ManualSeed(2);
        var model = new Sequential(new Dense(16, "relu"), new Dense(5));
        model.Build(new Shape(8));
        var loss = new CrossEntropy();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(model.Call(x), y), TensorSpec.Batched(8), TensorSpec.Batched(labels),
            new Adam(model, 0.01));
        Tensor input = Tensor.RandN([32, 8], new Generator(1)), target = Tensor.RandInt(0, 5, [32], new Generator(2), labels);
        double first = step.Step(input, target);
        double last = 0;
        Assert.Equal(0, Allocations.AfterWarmUp(() => last = step.Step(input, target)));
        Assert.True(last < first, $"the loss should fall on a fixed batch: {first} → {last}");
    }

    [Fact]
    public void FitWithJit_TrainsLikeEagerFitWithMetricsAndLabels()
    {
        (Sequential Model, Tensor X, Tensor Y) Setup(bool jit)
        {
            Generator.ManualSeed(7);
            var model = new Sequential(new Dense(16, "relu"), new Dense(3));
            model.Build(new Shape(4));
            model.Compile(new Adam(model, 0.01), new CrossEntropy(), ["accuracy"], jit: jit);
            model.ProgressOutput = TextWriter.Null;
            var generator = new Generator(3);
            Tensor x = Tensor.RandN([50, 4], generator);
            Tensor y = Tensor.RandInt(0, 3, [50], generator);
            return (model, x, y);
        }

        var (eager, x, y) = Setup(jit: false);
        var (compiled, _, _) = Setup(jit: true);
        History eagerHistory = eager.Fit(x, y, epochs: 3, batchSize: 16, seed: 1, verbose: Verbosity.Silent);
        History compiledHistory = compiled.Fit(x, y, epochs: 3, batchSize: 16, seed: 1, verbose: Verbosity.Silent);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            Assert.Equal(eagerHistory["loss"][epoch], compiledHistory["loss"][epoch], 5);
            Assert.Equal(eagerHistory["accuracy"][epoch], compiledHistory["accuracy"][epoch], 6);
        }

        Assert.True(compiledHistory["loss"][2] < compiledHistory["loss"][0]);
        for (int i = 0; i < eager.Parameters().Count; i++)
        {
            Assert.True(compiled.Parameters()[i].MaxRelativeError(eager.Parameters()[i]) <= 1e-5);
        }
    }

    private static string Fingerprint(Layer model) =>
        string.Join(";", model.StateDict().OrderBy(p => p.Key).Select(p => p.Key + "=" + string.Join(",", p.Value.ToArray<double>())));

    [Fact]
    public void RawInPlaceWriteInsideATrace_IsRefused_AssignIsRecorded()
    {
        var buffer = Tensor.Zeros([3]);
        var raw = Assert.Throws<InvalidOperationException>(() => Graph.Trace((Tensor x) =>
        {
            buffer.MulInPlace(0.5);
            return x.Add(buffer);
        }, TensorSpec.Fixed(new Shape(3))));
        Assert.Contains("Tensor.Assign", raw.Message);
        Assert.Equal(new float[3], buffer.ToArray());

        // The op form is recorded, and the compiled graph performs the write.
        Graph graph = Graph.Trace((Tensor x) =>
        {
            using (AutoGrad.Differentiation.Autodiff.NoGrad())
            {
                buffer.Assign(buffer.Add(x));
            }

            return x.Mul(2.0);
        }, TensorSpec.Fixed(new Shape(3)));
        Assert.Equal(new float[3], buffer.ToArray());
        graph.Compile().Run(Tensor.Ones([3]));
        graph.Compile().Run(Tensor.Ones([3]));
        Assert.Equal(new float[] { 2, 2, 2 }, buffer.ToArray());
    }

    [Fact]
    public void TracedValueKeptAfterTheTrace_IsRefusedInsteadOfComputingGarbage()
    {
        Tensor? kept = null;
        Graph.Trace((Tensor x) => kept = x.Tanh(), TensorSpec.Fixed(new Shape(2)));
        Assert.NotNull(kept);
        var error = Assert.Throws<InvalidOperationException>(() => kept!.Mul(2.0));
        Assert.Contains("traced value", error.Message);
        Assert.Throws<InvalidOperationException>(() => kept!.ToArray());
    }
}
