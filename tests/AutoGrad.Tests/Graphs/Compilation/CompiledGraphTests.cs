using AutoGrad.Differentiation;
using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Compilation;

public class CompiledGraphTests
{
    public static TheoryData<string> Models => [.. TestModel.Names];

    [Theory]
    [MemberData(nameof(Models))]
    public void Run_OptimizedForwardAndGradient_EqualInterpreterAtSeveralBatchSizes(string name)
    {
        TestModel model = TestModel.Create(name, DType.Float64);
        Graph gradient = model.Trace().Gradient();
        CompiledGraph compiled = gradient.Compile();
        foreach (int batch in new[] { 1, 7, 64, 7 })
        {
            Tensor[] inputs = model.Batch(batch, new Generator(batch));
            Tensor[] expected = gradient.Run(inputs);
            IReadOnlyList<Tensor> actual = compiled.Run(inputs);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(actual[i].MaxRelativeError(expected[i]) < 1e-12, $"{name} output {i} at batch {batch}");
            }
        }
    }

    [Fact]
    public void Run_AfterWarmUp_AllocatesNothingPerCall()
    {
        // A tanh MLP with a mean-squared-error loss, forward and gradient, compiled.
        TestModel model = TestModel.Xor();
        CompiledGraph compiled = model.Trace().Gradient().Compile();
        Tensor[] inputs = model.Batch(16, new Generator(1));
        Tensor x = inputs[0], y = inputs[1];
        Assert.Equal(0, Allocations.AfterWarmUp(() => compiled.Run(x, y), runs: 20));
    }

    /// <summary>
    /// The gradient of a mean over [B, 3] is 1/(3B) everywhere: values fixed once the batch size is, which each plan
    /// computes once when it is built. They must be those of the plan's own size, also when a size comes back, and also
    /// where the fixed value is viewed by the graph's output (a view that stays a step: its source must then run too).
    /// </summary>
    [Fact]
    public void Run_ValuesFixedByTheBatchSize_AreThoseOfEachPlansSize()
    {
        Graph gradient = Graph.Trace(x => x.Mean(), TensorSpec.Batched(DType.Float64, 3)).Gradient(inputs: [0]);
        Graph gradient1D = Graph.Trace(x => x.Mean(), new TensorSpec([Dim.B], DType.Float64)).Gradient(inputs: [0]);
        CompiledGraph compiled = gradient.Compile();
        foreach (int batch in new[] { 2, 5, 2 })
        {
            IReadOnlyList<Tensor> outputs = compiled.Run(Tensor.Ones([batch, 3], DType.Float64));
            Assert.Equal(1.0, outputs[0].ItemDouble(), 15);
            Assert.Equal([batch, 3], outputs[1].Shape.ToArray());
            Assert.All(outputs[1].ToArray<double>(), v => Assert.Equal(1.0 / (3 * batch), v, 15));
        }

        // The output is a view (reshape) of the fixed broadcast: the view runs no kernel, so its source must run as a step.
        Graph viewed = Graph.Trace(x => gradient1D.Run(x)[1].Reshape(-1, 1), new TensorSpec([Dim.B], DType.Float64));
        CompiledGraph viewedCompiled = viewed.Compile();
        foreach (int batch in new[] { 2, 5 })
        {
            Tensor output = viewedCompiled.Run(Tensor.Ones([batch], DType.Float64))[0];
            Assert.Equal([batch, 1], output.Shape.ToArray());
            Assert.All(output.ToArray<double>(), v => Assert.Equal(1.0 / batch, v, 15));
        }

        // The XOR model's training gradient: the loss's 1/B and its reshape are fixed, and every output matches the
        // interpreter at two sizes.
        TestModel model = TestModel.Xor();
        Graph xor = model.Trace().Gradient();
        CompiledGraph xorCompiled = xor.Compile();
        Assert.True(xorCompiled.FixedNodeCount(4) >= 2, $"{xorCompiled.FixedNodeCount(4)} fixed nodes");
        foreach (int batch in new[] { 4, 9 })
        {
            Tensor[] inputs = model.Batch(batch, new Generator(batch));
            Tensor[] expected = xor.Run(inputs);
            IReadOnlyList<Tensor> actual = xorCompiled.Run(inputs);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(actual[i].MaxRelativeError(expected[i]) < 1e-6, $"xor output {i} at batch {batch}");
            }
        }
    }

    [Fact]
    public void Run_SecondBatchSize_BuildsItsOwnPlanAndKeepsTheFirst()
    {
        CompiledGraph compiled = TestModel.DenseRelu(DType.Float64).Trace().Compile();
        Assert.Equal(3, compiled.MemoryPlan(3).Batch);
        var small = Tensor.Ones([3, 4], DType.Float64);
        var large = Tensor.Ones([9, 4], DType.Float64);
        double[] first = compiled.Run(small)[0].ToArray<double>();
        Assert.Equal(27, compiled.Run(large)[0].Size);
        Assert.Equal(first, compiled.Run(small)[0].ToArray<double>());
    }

    [Fact]
    public void Run_WrongInput_ThrowsNamingTheTypes()
    {
        CompiledGraph compiled = TestModel.DenseRelu().Trace().Compile();
        var error = Assert.Throws<ArgumentException>(() => compiled.Run(Tensor.Ones([2, 4], DType.Float64)));
        Assert.Contains("CompiledGraph.Run: input 0 has type f64[2,4] but the graph expects f32[B,4]", error.Message);
    }

    public static TheoryData<string, int> TrainingCases => new() { { "sgd", 16 }, { "adam", 16 }, { "sgd", 5 } };

    [Theory]
    [MemberData(nameof(TrainingCases))]
    public void TrainingStep_MnistMlp_MatchesTheLibrarysEagerOptimizerBitForBit(string optimizer, int batch)
    {
        TestModel compiledModel = TestModel.MnistMlp();
        TestModel eagerModel = TestModel.MnistMlp();
        Optimizer Create(Tensor[] parameters) => optimizer == "sgd" ? new Sgd(parameters, 0.1) : new Adam(parameters, 0.01);
        var step = CompiledTrainingStep.Create((x, y) => compiledModel.Forward([x, y]), TensorSpec.Batched(784), TensorSpec.Batched(10),
            Create(compiledModel.Parameters));
        Optimizer eager = Create(eagerModel.Parameters);

        var generator = new Generator(42);
        for (int s = 0; s < 4; s++)
        {
            Tensor[] data = compiledModel.Batch(batch, generator);
            double compiledLoss = step.Step(data[0], data[1]);
            eager.ZeroGrad();
            Tensor loss = eagerModel.Forward(data);
            loss.Backward();
            eager.Step();
            Assert.True(Math.Abs(compiledLoss - loss.ItemDouble()) <= 1e-6 * Math.Abs(loss.ItemDouble()), $"loss at step {s}: {compiledLoss} vs {loss.ItemDouble()}");
        }

        // The same update op runs in both; the forward and gradient kernels differ only where the compiled graph fuses.
        for (int i = 0; i < compiledModel.Parameters.Length; i++)
        {
            double error = compiledModel.Parameters[i].MaxRelativeError(eagerModel.Parameters[i]);
            Assert.True(error <= 1e-6, $"{compiledModel.Parameters[i].Name}: relative error {error}");
        }

        Assert.Equal(4, step.Optimizer.StepCount);
        Assert.NotEqual(TestModel.MnistMlp().Parameters[^1].ToArray(), compiledModel.Parameters[^1].ToArray());
    }

    [Fact]
    public void Run_OpThatWritesOnlySomeElements_SeesAZeroedBufferOnEveryRunLikeEager()
    {
        // one_hot writes only the ones: a reused planned buffer must be cleared, or last run's ones stay.
        Graph graph = Graph.Trace((Tensor labels) => labels.OneHot(4).Mul(2.0), TensorSpec.Batched(DType.Int64));
        CompiledGraph compiled = graph.Compile();
        foreach (long[] labels in new[] { new long[] { 0, 1, 2 }, [3, 3, 0] })
        {
            Tensor input = Tensor.FromArray(labels);
            Assert.Equal(input.OneHot(4).Mul(2.0).ToArray(), compiled.Run(input)[0].ToArray());
        }
    }

    [Fact]
    public void TrainingStep_UnnamedParameter_ThrowsSayingSo()
    {
        var w = Tensor.Ones([2, 2]).RequireGrad();
        var error = Assert.Throws<ArgumentException>(() =>
            CompiledTrainingStep.Create((x, y) => x.MatMul(w).Sub(y).Sum(), TensorSpec.Batched(2), TensorSpec.Batched(2), new Sgd([w], 0.1)));
        Assert.Contains("has no Name", error.Message);
    }
}
