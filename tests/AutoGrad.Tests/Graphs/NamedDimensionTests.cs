using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs;

/// <summary>
/// A named dimension (<c>Dim.Named("T")</c>, a sequence length) is symbolic like the batch: one graph, traced once, runs
/// at every length, interpreted, compiled, differentiated and as a training step.
/// </summary>
public class NamedDimensionTests
{
    private static readonly TensorSpec Sequence = new([Dim.B, Dim.Named("T"), 4], DType.Float64);

    /// <summary>A small attention classifier over [B, T, 4]: projection, self-attention with a residual, mean over time, head.</summary>
    private sealed class AttentionModel
    {
        private readonly Dense project;
        private readonly MultiHeadAttention attention;
        private readonly LayerNorm norm;
        private readonly Dense head;

        public AttentionModel(long seed)
        {
            // Seeded before the layers draw their initial weights, so two models of one seed start equal.
            Generator.ManualSeed(seed);
            project = new(8, "relu", inputSize: 4);
            attention = new(2, 8);
            norm = new(8);
            head = new(2, inputSize: 8);
            foreach (Layer layer in Layers)
            {
                layer.To(DType.Float64);
            }

            // Names make the parameters graph parameters; the layers are not inside a model that would name them.
            string[] prefixes = ["project", "attention", "norm", "head"];
            for (int l = 0; l < Layers.Length; l++)
            {
                foreach (var (name, p) in Layers[l].NamedParameters())
                {
                    p.Name = prefixes[l] + "." + name;
                }
            }
        }

        public Layer[] Layers => [project, attention, norm, head];

        public IReadOnlyList<Tensor> Parameters => [.. Layers.SelectMany(l => l.Parameters())];

        public Tensor Call(Tensor x)
        {
            Tensor h = project.Call(x);
            h = norm.Call(h + attention.Call(h, h, h));
            return head.Call(h.Mean(1));
        }
    }

    private static Tensor Batch(int batch, int steps, int seed) => Tensor.RandN([batch, steps, 4], new Generator(seed)).To(DType.Float64);

    [Fact]
    public void Trace_AttentionOverANamedLength_TracesOnceAndRunsAtEveryLength()
    {
        var model = new AttentionModel(1);
        int calls = 0;
        Graph graph = Graph.Trace(x =>
        {
            calls++;
            return model.Call(x);
        }, Sequence);
        Assert.Equal(1, calls);
        Assert.Null(Graph.LastTraceFallbackReason);
        string text = graph.ToString();
        Assert.Contains("a:f64[B,T,4]", text);
        Assert.Contains("B*T", text);
        Assert.Equal(["T"], graph.NamedDimensions);

        CompiledGraph compiled = graph.Compile();
        foreach (var (batch, steps) in new[] { (2, 3), (4, 9), (1, 1), (2, 3) })
        {
            Tensor x = Batch(batch, steps, batch * 10 + steps);
            Tensor expected = model.Call(x);
            Assert.True(graph.Run(x)[0].MaxRelativeError(expected) < 1e-12, $"interpreted at B={batch}, T={steps}");
            Assert.True(compiled.Run(x)[0].MaxRelativeError(expected) < 1e-12, $"compiled at B={batch}, T={steps}");
        }
    }

    [Fact]
    public void Gradient_OverANamedLength_EqualsEagerBackwardAtTwoLengths()
    {
        var model = new AttentionModel(2);
        Graph gradient = Graph.Trace(x => model.Call(x).Square().Sum(), Sequence).Gradient();
        CompiledGraph compiled = gradient.Compile();
        foreach (int steps in new[] { 3, 7 })
        {
            Tensor x = Batch(3, steps, steps);
            foreach (Tensor p in model.Parameters)
            {
                p.Grad = null;
            }

            model.Call(x).Square().Sum().Backward();
            IReadOnlyList<Tensor> outputs = compiled.Run(x);
            for (int i = 0; i < model.Parameters.Count; i++)
            {
                Tensor p = model.Parameters[i];
                Tensor actual = outputs[1 + Array.IndexOf([.. gradient.Parameters.Select(q => q.Value)], p)];
                Assert.True(actual.MaxRelativeError(p.Grad!) < 1e-10, $"{p.Name} at T={steps}");
            }
        }
    }

    [Fact]
    public void CompiledTrainingStep_OverANamedLength_TrainsLikeEager()
    {
        var eager = new AttentionModel(3);
        var compiled = new AttentionModel(3);
        var loss = new MeanSquaredError();
        var eagerOptimizer = new Adam(eager.Parameters, 0.01);
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(compiled.Call(x), y), Sequence,
            TensorSpec.Batched(DType.Float64, 2), new Adam(compiled.Parameters, 0.01));
        var generator = new Generator(4);
        foreach (int steps in new[] { 5, 2, 8 })
        {
            Tensor x = Batch(3, steps, steps), y = Tensor.RandN([3, 2], generator).To(DType.Float64);
            eagerOptimizer.ZeroGrad();
            loss.Compute(eager.Call(x), y).Backward();
            eagerOptimizer.Step();
            step.Step(x, y);
        }

        for (int i = 0; i < eager.Parameters.Count; i++)
        {
            Assert.True(compiled.Parameters[i].MaxRelativeError(eager.Parameters[i]) < 1e-9, eager.Parameters[i].Name);
        }
    }

    [Fact]
    public void Trace_MeansOverTimeAndOverEverything_DivideByTAndByTheProduct()
    {
        Graph overTime = Graph.Trace(x => x.Mean(1), Sequence);
        Assert.Contains("= div b T", overTime.ToString());
        Graph overAll = Graph.Trace(x => x.Mean(), Sequence);
        Assert.Contains("= div b 4*B*T", overAll.ToString());
        Tensor x = Batch(2, 5, 1);
        Assert.True(overTime.Run(x)[0].MaxRelativeError(x.Mean(1)) < 1e-12);
        Assert.True(overAll.Run(x)[0].MaxRelativeError(x.Mean()) < 1e-12);
    }

    [Fact]
    public void Trace_UserCodeReadingTheLength_IsTracedAgainAndStaysRight()
    {
        Tensor Function(Tensor x) => x.Reshape(-1, x.Shape[1] * 4).Tanh().Reshape(-1, x.Shape[1], 4);
        Graph graph = Graph.Trace(Function, Sequence);
        Assert.Contains("batch-dependent extent", Graph.LastTraceFallbackReason);
        Assert.Contains("reshape[shape=(B, 4T)]", graph.ToString());
        Tensor x = Batch(3, 6, 2);
        Assert.True(graph.Run(x)[0].MaxRelativeError(Function(x)) < 1e-12);

        var error = Assert.Throws<InvalidOperationException>(() => Graph.Trace(x => x.Shape[1] > 6 ? x.Exp() : x.Tanh(), Sequence));
        Assert.Contains("sizes (B=2, T=5) and (B=3, T=7)", error.Message);
    }

    [Fact]
    public void Trace_RecurrentLayerOverANamedLength_IsRefusedSayingWhy()
    {
        // An LSTM unrolls one step per time step: no single graph serves every length, and none is made.
        var model = new Sequential(new Lstm(5, inputSize: 4), new Dense(2, inputSize: 5));
        var error = Assert.Throws<InvalidOperationException>(() => Graph.Trace(model.Call, new TensorSpec([Dim.B, Dim.Named("T"), 4])));
        Assert.Contains("recurrent layer unrolls one step per time step", error.Message);
        Assert.NotNull(Graph.Trace(model.Call, TensorSpec.Batched(6, 4)));
    }

    [Fact]
    public void Run_InputsDisagreeingOnALength_ThrowsNamingTheDimension()
    {
        var mask = new TensorSpec([Dim.B, Dim.Named("T")], DType.Float64);
        Graph graph = Graph.Trace(xs => [xs[0].Sum(-1).Mul(xs[1])], Sequence, mask);
        var error = Assert.Throws<ArgumentException>(() => graph.Run(Batch(2, 3, 1), Tensor.Ones([2, 4], DType.Float64)));
        Assert.Contains("its size 4 of 'T' differs from the size 3 of an earlier input", error.Message);
        Assert.Equal(new[] { 2, 3 }, graph.Run(Batch(2, 3, 1), Tensor.Ones([2, 3], DType.Float64))[0].Shape.ToArray());
    }

    [Fact]
    public void DimAndBindings_PrintAndResolveProducts()
    {
        Dim t = Dim.Named("T");
        Assert.Equal("T", t.ToString());
        Assert.Equal("B*T", (Dim.B * t).ToString());
        Assert.Equal("4*B*T", (Dim.B * t * 4).ToString());
        Assert.Equal("2B", (Dim.B * 2).ToString());
        Assert.Equal(Dim.B * t, t * Dim.B);
        DimBindings sizes = new DimBindings(3).With("T", 5);
        Assert.Equal(60, (Dim.B * t * 4).Resolve(sizes));
        Assert.Equal("B=3, T=5", sizes.ToString());
        Assert.Equal(sizes, new DimBindings(3).With("T", 5));
        Assert.Contains("'T' has no size", Assert.Throws<InvalidOperationException>(() => t.Resolve(3)).Message);
        Assert.Throws<ArgumentException>(() => Dim.Named("2x"));
        Assert.Equal(Dim.B, Dim.Named("B"));
    }

    [Fact]
    public void Summary_OfANamedGraph_CountsFlopsAtTheGivenSizes()
    {
        Graph graph = Graph.Trace(x => x.Tanh(), Sequence);
        GraphSummary summary = graph.Summary();
        // tanh costs one flop per element: B·T·4.
        Assert.Equal(4, summary.Flops(new DimBindings(1).With("T", 1)));
        Assert.Equal(2 * 5 * 4, summary.Flops(new DimBindings(2).With("T", 5)));
        Assert.Contains("flops (B=1, T=1): 4", summary.ToString());
    }
}
