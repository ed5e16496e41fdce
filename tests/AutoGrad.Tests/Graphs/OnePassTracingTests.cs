using AutoGrad.Differentiation;
using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs;

/// <summary>
/// A batched trace runs the function once, at an unusual batch extent, and falls back to two passes only when one pass
/// cannot be trusted. Every fallback case here must still give the graph that is right at other batch sizes.
/// </summary>
public class OnePassTracingTests
{
    private static Graph TraceCounting(Func<Tensor, Tensor> function, TensorSpec spec, out int calls)
    {
        int count = 0;
        Graph graph = Graph.Trace(x =>
        {
            count++;
            return function(x);
        }, spec);
        calls = count;
        return graph;
    }

    private static void AssertMatchesEager(Graph graph, Func<Tensor, Tensor> function, int batch, int features)
    {
        Tensor x = Tensor.RandN([batch, features], new Generator(batch)).To(DType.Float64);
        Assert.True(graph.Run(x)[0].MaxRelativeError(function(x)) < 1e-12, $"batch {batch}");
    }

    [Fact]
    public void Trace_LibraryModelsAndTheirLosses_RunTheFunctionOnce()
    {
        var mlp = new Sequential(new Dense(16, "relu"), new BatchNorm(), new Dropout(0.3), new Dense(10));
        var loss = new CrossEntropy();
        Graph Trace() => Graph.Trace(
            (x, labels) => loss.Compute(mlp.Call(x), labels),
            TensorSpec.Batched(DType.Float32, 12),
            new TensorSpec([Dim.B], DType.Int64));
        _ = Trace();
        Assert.Null(Graph.LastTraceFallbackReason);

        var cnn = new Sequential(new Conv2D(4, 3, activation: "relu"), new MaxPool2D(2), new Flatten(), new Dense(3));
        _ = TraceCounting(cnn.Call, TensorSpec.Batched(DType.Float32, 1, 8, 8), out int cnnCalls);
        Assert.Equal(1, cnnCalls);
        Assert.Null(Graph.LastTraceFallbackReason);

        var lstm = new Sequential(new Lstm(5), new Dense(2));
        _ = TraceCounting(lstm.Call, TensorSpec.Batched(DType.Float32, 4, 3), out int lstmCalls);
        Assert.Equal(1, lstmCalls);
        Assert.Null(Graph.LastTraceFallbackReason);

        // The traced loss is right at other batch sizes: its mean divides by B, not by the trace's extent.
        mlp.Eval();
        Graph graph = Trace();
        Assert.Null(Graph.LastTraceFallbackReason);
        using (Autodiff.NoGrad())
        {
            Tensor x = Tensor.RandN([5, 12], new Generator(4));
            Tensor labels = Tensor.FromArray(new long[] { 0, 3, 9, 1, 1 });
            Assert.Equal(loss.Compute(mlp.Call(x), labels).ItemDouble(), graph.Run(x, labels)[0].ItemDouble(), 6);
        }
    }

    [Fact]
    public void CompiledTrainingStep_MlpWithAdam_TracesInOnePassAndTrainsLikeEager()
    {
        Generator.ManualSeed(11);
        var eager = new Sequential(new Dense(6, "tanh", inputSize: 4), new Dense(3, inputSize: 6));
        Generator.ManualSeed(11);
        var compiled = new Sequential(new Dense(6, "tanh", inputSize: 4), new Dense(3, inputSize: 6));
        var eagerOptimizer = new Adam(eager.Parameters(), 0.01);
        var loss = new CrossEntropy();
        int calls = 0;
        var step = CompiledTrainingStep.Create(
            (x, y) =>
            {
                calls++;
                return loss.Compute(compiled.Call(x), y);
            },
            TensorSpec.Batched(DType.Float32, 4), new TensorSpec([Dim.B], DType.Int64), new Adam(compiled.Parameters(), 0.01),
            DataParallel.Off);
        Assert.Equal(1, calls);
        Assert.Null(Graph.LastTraceFallbackReason);

        var generator = new Generator(5);
        foreach (int batch in new[] { 3, 8, 1 })
        {
            Tensor x = Tensor.RandN([batch, 4], generator);
            Tensor y = Tensor.FromArray(Enumerable.Range(0, batch).Select(i => (long)(i % 3)).ToArray());
            eagerOptimizer.ZeroGrad();
            loss.Compute(eager.Call(x), y).Backward();
            eagerOptimizer.Step();
            step.Step(x, y);
        }

        var expected = eager.Parameters();
        var actual = compiled.Parameters();
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].MaxRelativeError(actual[i]) < 1e-5, expected[i].Name);
        }
    }

    [Fact]
    public void Trace_UserCodeReadingTheBatchExtent_IsTracedAgainAndStaysRight()
    {
        Tensor Function(Tensor x) => x.Reshape(x.Shape[0] * 2, 2).Mul(3.0).Reshape(x.Shape[0], 4);
        Graph graph = TraceCounting(Function, TensorSpec.Batched(DType.Float64, 4), out int calls);
        Assert.Equal(3, calls);
        Assert.Contains("batch-dependent extent", Graph.LastTraceFallbackReason);
        AssertMatchesEager(graph, Function, 5, 4);

        // The same function without reading the extent is traced once.
        _ = TraceCounting(x => x.Reshape(-1, 2).Mul(3.0).Reshape(-1, 4), TensorSpec.Batched(DType.Float64, 4), out int onceCalls);
        Assert.Equal(1, onceCalls);
    }

    [Fact]
    public void Trace_ReadingAFixedAxisOrTheRank_StaysOnePass()
    {
        Tensor Function(Tensor x) => x.Rank == 2 && x.Shape[1] == 4 ? x.Exp() : x.Tanh();
        Graph graph = TraceCounting(Function, TensorSpec.Batched(DType.Float64, 4), out int calls);
        Assert.Equal(1, calls);
        AssertMatchesEager(graph, Function, 3, 4);
    }

    [Fact]
    public void Trace_BranchOnTheBatchSize_IsNeverBakedFromTheOnePass()
    {
        // One pass alone would take the exp branch and be wrong at every other batch size; the guard sends it to two passes.
        Tensor Function(Tensor x) => x.Shape[0] == Graph.OnePassBatch ? x.Exp() : x.Tanh();
        Graph graph = Graph.Trace(Function, TensorSpec.Batched(DType.Float64, 3));
        Assert.Contains("tanh", graph.ToString());
        AssertMatchesEager(graph, Function, 5, 3);

        // Branches the two passes see are reported, however the extent was read.
        Assert.Throws<InvalidOperationException>(() => Graph.Trace(x => x.Size > 7 ? x.Exp() : x.Tanh(), TensorSpec.Batched(3)));
        Assert.Throws<InvalidOperationException>(() => Graph.Trace(x => $"{x.Shape}".Contains('2') ? x.Exp() : x.Tanh(), TensorSpec.Batched(3)));
        Assert.Throws<InvalidOperationException>(() => Graph.Trace(x => x.ToString().Contains("[2,") ? x.Exp() : x.Tanh(), TensorSpec.Batched(3)));
        Assert.Throws<InvalidOperationException>(() => Graph.Trace(x => x.Type.Equals(new TensorType([2, 3], DType.Float32)) ? x.Exp() : x.Tanh(), TensorSpec.Batched(3)));
    }

    /// <summary>A custom layer that takes another path at the one-pass extent, as a user's branch on the batch could.</summary>
    private sealed class BranchOnBatch : Layer
    {
        public override Tensor Forward(Tensor input) => input.Shape[0] == Graph.OnePassBatch ? input.Exp() : input.Tanh();
    }

    [Fact]
    public void Trace_UserBranchesCalledByLibraryCode_AreNeverBakedFromTheOnePass()
    {
        // User code reached through library code — a custom layer in a Sequential, a Lambda layer, a custom activation of a
        // Dense — reads the extent in its own frame, so the guard sees it whatever called it.
        Func<Tensor, Tensor> branch = x => x.Shape[0] == Graph.OnePassBatch ? x.Exp() : x.Tanh();
        var models = new Sequential[]
        {
            new(new Dense(3, inputSize: 3), new BranchOnBatch()),
            new(new Dense(3, inputSize: 3), new Lambda(branch)),
            new(new Dense(3, branch, inputSize: 3)),
        };
        foreach (Sequential model in models)
        {
            model.To(DType.Float64);
            Graph graph = Graph.Trace(model.Call, TensorSpec.Batched(DType.Float64, 3));
            Assert.Contains("batch-dependent extent", Graph.LastTraceFallbackReason);
            AssertMatchesEager(graph, model.Call, 5, 3);
        }
    }

    [Fact]
    public void Trace_RandomConstantDrawnInside_IsStillReportedAndTheAbortedPassDrawsNothing()
    {
        Assert.Throws<InvalidOperationException>(() => Graph.Trace(x => x.Add(Tensor.RandN([3])), TensorSpec.Batched(3)));

        Generator.ManualSeed(3);
        Assert.Throws<InvalidOperationException>(() => Graph.Trace(x => x.Mul(Generator.Default.NextDouble()), TensorSpec.Batched(3)));
        double next = Generator.Default.NextDouble();

        // The one pass stopped before its draw; the two passes that report the problem drew one number each.
        Generator.ManualSeed(3);
        _ = Generator.Default.NextDouble();
        _ = Generator.Default.NextDouble();
        Assert.Equal(Generator.Default.NextDouble(), next);
    }

    [Fact]
    public void Trace_LiteralsAndSizesThatAreMultiplesOfTheTraceExtent_AreNotMistakenForTheBatch()
    {
        int s = Graph.OnePassBatch;
        Tensor Literals(Tensor x) => x.Mul(2.0 * s).Add(1.0 / (3 * s)).Sum(-1, keepDims: true).Div(s);
        Graph graph = TraceCounting(Literals, TensorSpec.Batched(DType.Float64, 3), out int calls);
        Assert.Equal(3, calls);
        AssertMatchesEager(graph, Literals, 4, 3);

        // A layer as wide as the trace extent: its axis is fixed, which the check at another batch size tells.
        var model = new Sequential(new Dense(s, inputSize: 3), new Dense(2, inputSize: s));
        model.To(DType.Float64);
        Graph wide = Graph.Trace(model.Call, TensorSpec.Batched(DType.Float64, 3));
        Assert.Contains($"f64[B,{s}]", wide.ToString());
        AssertMatchesEager(wide, model.Call, 7, 3);
    }

    [Fact]
    public void Trace_MeanOverEveryAxis_DividesByTheBatchTimesTheRest()
    {
        Graph graph = TraceCounting(x => x.Mean(), TensorSpec.Batched(DType.Float64, 3), out int calls);
        Assert.Equal(1, calls);
        Assert.Contains("= div b 3*B", graph.ToString());
        AssertMatchesEager(graph, x => x.Mean(), 6, 3);
    }

    [Fact]
    public void Trace_HugeInput_AllocatesNoData()
    {
        // 25,000 × 40,000 float32 would be 4 GB; an abstract trace holds types only.
        long before = GC.GetAllocatedBytesForCurrentThread();
        Graph graph = Graph.Trace(x => x.Mul(2.0).Sum(-1), TensorSpec.Fixed([25_000, 40_000], DType.Float32));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("f32[25000]", graph.Nodes[^1].Type.ToString());
        Assert.True(allocated < 10_000_000, $"tracing allocated {allocated} bytes");
    }
}
