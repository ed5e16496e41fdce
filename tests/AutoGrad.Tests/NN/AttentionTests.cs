using AutoGrad.Differentiation;
using AutoGrad.Graphs;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;
using Xunit.Abstractions;

namespace AutoGrad.Tests.NN;

/// <summary>
/// MultiHeadAttention, PositionalEmbedding and TransformerEncoderBlock: outputs and weights against scaled dot-product
/// attention written out as plain float64 loops here (from the layer's own weights), exact zeros for masked keys,
/// independence from masked and future positions, gradients (first and second order), training through Fit (eager
/// and jit) and abstract tracing.
/// </summary>
public class AttentionTests(ITestOutputHelper output)
{
    private const int Batch = 2, Tq = 3, Tk = 4, Embed = 4;

    public static TheoryData<int, string> HeadsAndMasks() => new()
    {
        { 1, "none" }, { 2, "none" }, { 1, "padding" }, { 2, "padding" }, { 2, "causal" }, { 2, "full" }, { 1, "full" },
    };

    [Theory]
    [MemberData(nameof(HeadsAndMasks))]
    public void MultiHeadAttention_Float64_MatchesPlainLoopReference(int heads, string maskKind)
    {
        var generator = new Generator(31);
        Tensor q = Tensor.RandN([Batch, Tq, Embed], generator, DType.Float64);
        Tensor k = Tensor.RandN([Batch, Tk, Embed], generator, DType.Float64);
        Tensor v = Tensor.RandN([Batch, Tk, Embed], generator, DType.Float64);
        MultiHeadAttention mha = CreateFloat64(heads, causal: maskKind == "causal", seed: 4);
        (Tensor? mask, Tensor? padding, Func<int, int, int, bool> allowed) = Masks(maskKind);

        (Tensor result, Tensor weights) = mha.CallWithWeights(q, k, v, mask, padding);

        var p = mha.NamedParameters().ToDictionary(e => e.Key, e => e.Value.ToArray<double>());
        (double[] expected, double[] expectedWeights) = Reference(
            heads, q.ToArray<double>(), k.ToArray<double>(), v.ToArray<double>(),
            p["in_proj_weight"], p["in_proj_bias"], p["out_proj.weight"], p["out_proj.bias"], allowed);
        Assert.Equal(new[] { Batch, Tq, Embed }, result.Shape.ToArray());
        Assert.Equal(new[] { Batch, heads, Tq, Tk }, weights.Shape.ToArray());
        double error = Math.Max(MaxDifference(expected, result.ToArray<double>()), MaxDifference(expectedWeights, weights.ToArray<double>()));
        output.WriteLine($"{heads} head(s), mask {maskKind}: max |layer − reference| = {error:E3}");
        Assert.True(error <= 1e-12, $"max |layer − reference| = {error:E3}");
        Assert.True(expected.Max(Math.Abs) > 0.1);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void MultiHeadAttention_MaskedKeys_GetExactlyZeroWeightEvenWithHugeScores(DType dtype)
    {
        var generator = new Generator(5);
        // Inputs ×30: scores in the hundreds, where an additive −1e9-style mask would still be exact but −1e4 would not.
        Tensor x = (Tensor.RandN([Batch, Tk, Embed], generator, dtype) * 30.0).Detach();
        var mha = new MultiHeadAttention(2, Embed);
        mha.To(dtype);
        Tensor padding = Tensor.FromArray(new double[] { 1, 1, 0, 1, 1, 0, 0, 0 }, Batch, Tk).To(dtype);

        double[] w = mha.CallWithWeights(x, x, x, keyPaddingMask: padding).Weights.ToArray<double>();

        for (int b = 0; b < Batch; b++)
        {
            for (int h = 0; h < 2; h++)
            {
                for (int i = 0; i < Tk; i++)
                {
                    double rowSum = 0;
                    for (int j = 0; j < Tk; j++)
                    {
                        double weight = w[(((((b * 2) + h) * Tk) + i) * Tk) + j];
                        if (padding.GetFlat((b * Tk) + j) == 0)
                        {
                            Assert.Equal(0.0, weight);
                        }

                        rowSum += weight;
                    }

                    Assert.Equal(1.0, rowSum, dtype == DType.Float32 ? 1e-6 : 1e-14);
                }
            }
        }
    }

    [Fact]
    public void MultiHeadAttention_FullyMaskedRow_GivesZeroWeightsBiasOutputAndFiniteGradients()
    {
        var generator = new Generator(6);
        Tensor q = Tensor.RandN([1, 2, Embed], generator, DType.Float64).RequireGrad();
        Tensor kv = Tensor.RandN([1, 3, Embed], generator, DType.Float64).RequireGrad();
        MultiHeadAttention mha = CreateFloat64(2, seed: 7);
        // Query 0 may attend to nothing; query 1 to keys 0 and 2.
        Tensor mask = Tensor.FromArray(new[] { false, false, false, true, false, true }, 2, 3);

        (Tensor output, Tensor weights) = mha.CallWithWeights(q, kv, kv, mask);
        output.Sum().Backward();

        double[] w = weights.ToArray<double>();
        Assert.All(new[] { 0, 1, 2, 6, 7, 8 }.Select(i => w[i]), x => Assert.Equal(0.0, x));   // row 0 of both heads
        Assert.Equal(1.0, w[3] + w[5], 14);
        Assert.Equal(0.0, w[4]);
        Assert.Equal(mha.OutProjBias!.ToArray<double>(), output.Slice(1, 0, 1).Reshape(Embed).ToArray<double>());
        Assert.All(q.Grad!.ToArray<double>().Concat(kv.Grad!.ToArray<double>()), g => Assert.True(double.IsFinite(g)));
        Assert.All(mha.Parameters().SelectMany(t => t.Grad!.ToArray<double>()), g => Assert.True(double.IsFinite(g)));
        // Query 0's output is the bias alone, so nothing flows back to it.
        Assert.All(q.Grad!.Slice(1, 0, 1).ToArray<double>(), g => Assert.Equal(0.0, g));
    }

    [Fact]
    public void MultiHeadAttention_MaskedKeysAndValues_DoNotChangeTheOutput()
    {
        var generator = new Generator(8);
        Tensor q = Tensor.RandN([Batch, Tq, Embed], generator);
        Tensor k = Tensor.RandN([Batch, Tk, Embed], generator);
        Tensor v = Tensor.RandN([Batch, Tk, Embed], generator);
        Tensor padding = Tensor.FromArray(new[] { true, true, false, false, true, false, true, false }, Batch, Tk);
        // Replace every masked key and value with large noise.
        Tensor noise = Tensor.RandN([Batch, Tk, Embed], generator) * 1000.0;
        Tensor keep = padding.Reshape(Batch, Tk, 1);
        Tensor k2 = Tensor.Where(keep, k, noise), v2 = Tensor.Where(keep, v, noise * 3.0);
        var mha = new MultiHeadAttention(2, Embed);

        Tensor before = mha.Call(q, k, v, keyPaddingMask: padding);
        Tensor after = mha.Call(q, k2, v2, keyPaddingMask: padding);

        Assert.NotEqual(k.ToArray(), k2.ToArray());
        Assert.Equal(before.ToArray(), after.ToArray());
    }

    [Fact]
    public void MultiHeadAttention_Causal_StepDependsOnlyOnEarlierSteps()
    {
        var generator = new Generator(9);
        const int T = 5;
        Tensor x = Tensor.RandN([Batch, T, Embed], generator, DType.Float64);
        MultiHeadAttention mha = CreateFloat64(2, causal: true, seed: 10);
        Tensor baseline = mha.Call(x);
        for (int t = 0; t < T - 1; t++)
        {
            // Change every step after t.
            Tensor later = Tensor.Concat([x.Slice(1, 0, t + 1), Tensor.RandN([Batch, T - t - 1, Embed], generator, DType.Float64) * 5.0], 1);
            Tensor changed = mha.Call(later);
            Assert.Equal(baseline.Slice(1, 0, t + 1).ToArray<double>(), changed.Slice(1, 0, t + 1).ToArray<double>());
            Assert.NotEqual(baseline.Slice(1, t + 1, T).ToArray<double>(), changed.Slice(1, t + 1, T).ToArray<double>());
        }

        // The same in gradients: d out[:, 1] / d x[:, 2:] is exactly zero.
        Tensor input = x.Detach().RequireGrad();
        mha.Call(input).Slice(1, 1, 2).Sum().Backward();
        Assert.All(input.Grad!.Slice(1, 2, T).ToArray<double>(), g => Assert.Equal(0.0, g));
        Assert.Contains(input.Grad!.Slice(1, 0, 2).ToArray<double>(), g => g != 0);
    }

    public static TheoryData<string> GradCheckCases() => ["self", "padding", "causal", "mask3d_with_empty_row", "no_bias"];

    [Theory]
    [MemberData(nameof(GradCheckCases))]
    public void MultiHeadAttention_Gradients_MatchFiniteDifferences(string kind)
    {
        Tensor x = Tensor.RandN([Batch, Tk, Embed], new Generator(11), DType.Float64);
        var mha = new MultiHeadAttention(2, Embed, useBias: kind != "no_bias", causal: kind == "causal");
        Tensor? mask = kind == "mask3d_with_empty_row"
            ? Tensor.FromArray(new double[] { 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1 }, Batch, Tk, Tk)
            : null;
        Tensor? padding = kind == "padding" ? Tensor.FromArray(new double[] { 1, 1, 1, 0, 1, 0, 1, 1 }, Batch, Tk) : null;

        LayerGradCheck.Assert(new SelfAttention(mha, mask, padding), x);
    }

    [Fact]
    public void MultiHeadAttention_CrossAttentionGradients_MatchFiniteDifferencesWrtQueryKeyValue()
    {
        var generator = new Generator(12);
        Tensor[] inputs =
        [
            Tensor.RandN([Batch, Tq, Embed], generator, DType.Float64),
            Tensor.RandN([Batch, Tk, Embed], generator, DType.Float64),
            Tensor.RandN([Batch, Tk, Embed], generator, DType.Float64),
        ];
        MultiHeadAttention mha = CreateFloat64(2, seed: 13);
        Tensor padding = Tensor.FromArray(new double[] { 1, 0, 1, 1, 0, 1, 1, 0 }, Batch, Tk);

        var result = GradCheck.Check(t => mha.Call(t[0], t[1], t[2], keyPaddingMask: padding), inputs);

        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void MultiHeadAttention_SecondOrderGradients_MatchFiniteDifferences()
    {
        var generator = new Generator(14);
        Tensor x = Tensor.RandN([1, 3, Embed], generator, DType.Float64);
        MultiHeadAttention mha = CreateFloat64(2, seed: 15);
        Tensor[] parameters = [.. mha.Parameters()];
        Tensor mask = Tensor.FromArray(new double[] { 1, 0, 1, 0, 1, 1, 0, 0, 0 }, 3, 3);   // the last row fully masked

        GradCheckResult result;
        try
        {
            // Through the input and in_proj_weight, so the softmax, the where and both matmuls are differentiated twice.
            result = GradCheck.CheckSecondOrder(
                v =>
                {
                    mha.ReplaceParameters([v[1], parameters[1], parameters[2], parameters[3]]);
                    return mha.Call(v[0], v[0], v[0], mask);
                },
                [x, parameters[0]]);
        }
        finally
        {
            mha.ReplaceParameters(parameters);
        }

        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void MultiHeadAttention_Parameters_HavePyTorchNamesShapesAndInitialization()
    {
        Generator.ManualSeed(3);
        var mha = new MultiHeadAttention(4, 16);

        Assert.Equal(
            ["in_proj_weight:(48, 16)", "in_proj_bias:(48,)", "out_proj.weight:(16, 16)", "out_proj.bias:(16,)"],
            mha.NamedParameters().Select(p => $"{p.Key}:{p.Value.Shape}"));
        // Glorot-uniform over [3E, E]: bound √(6 / (E + 3E)); out_proj U(−1/√E, 1/√E); zero biases.
        double inBound = Math.Sqrt(6.0 / 64), outBound = 0.25;
        float[] inProj = mha.InProjWeight.ToArray(), outProj = mha.OutProjWeight.ToArray();
        Assert.InRange(inProj.Max(Math.Abs), 0.8 * inBound, inBound);
        Assert.InRange(outProj.Max(Math.Abs), 0.8 * outBound, outBound);
        Assert.All(mha.InProjBias!.ToArray().Concat(mha.OutProjBias!.ToArray()), b => Assert.Equal(0f, b));
        Assert.Equal(4, mha.HeadDim);
    }

    [Fact]
    public void Attention_Summary_ListsTheLayersWithShapesAndCounts()
    {
        var model = new Sequential(new PositionalEmbedding(5, 8), new MultiHeadAttention(2, 8), new TransformerEncoderBlock(8, 2, 16));
        model.Build([5, 8]);

        string summary = model.Summary();

        output.WriteLine(summary);
        Assert.Contains("multi_head_attention (MultiHeadAttention)", summary);
        Assert.Contains("(None, 5, 8)", summary);
        // 3·8·8 + 3·8 + 8·8 + 8 = 288 for each attention; the block adds 8·16 + 16 + 16·8 + 8 + 4·8 = 312.
        Assert.Contains($"Total params: {40 + 288 + 288 + 312:N0}", summary);
    }

    [Fact]
    public void MultiHeadAttention_Dropout_OnlyInTrainingAndReproducibleFromTheSeed()
    {
        Tensor x = Tensor.RandN([Batch, Tk, Embed], new Generator(16));
        var first = new MultiHeadAttention(2, Embed, dropout: 0.5, seed: 17);
        var second = new MultiHeadAttention(2, Embed, dropout: 0.5, seed: 17);
        second.LoadStateDict(first.StateDict());

        Tensor a = first.Call(x), b = second.Call(x);
        first.Eval();
        Tensor evaluated = first.Call(x);
        var plain = new MultiHeadAttention(2, Embed);
        plain.LoadStateDict(first.StateDict());

        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.NotEqual(a.ToArray(), evaluated.ToArray());
        Assert.Equal(plain.Call(x).ToArray(), evaluated.ToArray());
    }

    [Fact]
    public void MultiHeadAttention_BadArguments_ThrowNamedErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(3, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiHeadAttention(2, 8, dropout: 1));
        var mha = new MultiHeadAttention(2, Embed);
        var features = Assert.Throws<ArgumentException>(() => mha.Call(Tensor.Zeros([Batch, Tk, 5])));
        Assert.Contains("the query must be [batch, time, 4] (embedDim), got shape (2, 4, 5)", features.Message);
        var lengths = Assert.Throws<ArgumentException>(() => mha.Call(Tensor.Zeros([Batch, Tq, Embed]), Tensor.Zeros([Batch, Tk, Embed]), Tensor.Zeros([Batch, 2, Embed])));
        Assert.Contains("must share the batch, and key and value the length", lengths.Message);
        Tensor z = Tensor.Zeros([Batch, Tk, Embed]);
        var mask = Assert.Throws<ArgumentException>(() => mha.Call(z, z, z, Tensor.Ones([Tk, 3])));
        Assert.Contains("the mask of shape (4, 3) does not broadcast to the attention weights [B, heads, Tq, Tk] = [2, heads, 4, 4]", mask.Message);
        var padding = Assert.Throws<ArgumentException>(() => mha.Call(Tensor.Zeros([Batch, Tk, Embed]), Tensor.Zeros([Batch, 3, Embed]), Tensor.Zeros([Batch, 3, Embed]), keyPaddingMask: Tensor.Ones([Batch, 4])));
        Assert.Contains("the key padding mask of shape (2, 4) does not broadcast", padding.Message);
    }

    [Fact]
    public void PositionalEmbedding_AddsTheFirstTRowsAndRejectsLongerInputs()
    {
        var layer = new PositionalEmbedding(6, Embed);
        Tensor x = Tensor.RandN([Batch, Tk, Embed], new Generator(18));

        Tensor y = layer.Call(x);

        float[] table = layer.Embeddings.ToArray(), input = x.ToArray(), output = y.ToArray();
        for (int i = 0; i < output.Length; i++)
        {
            Assert.Equal(input[i] + table[i % (Tk * Embed)], output[i]);
        }

        Assert.Equal(["embeddings"], layer.NamedParameters().Select(p => p.Key));
        var tooLong = Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Zeros([1, 7, Embed])));
        Assert.Contains("the input has 7 time steps (shape (1, 7, 4)) but the table holds 6 positions (maxLength)", tooLong.Message);
        Assert.Throws<ArgumentException>(() => layer.Call(Tensor.Zeros([1, 3, 5])));
        LayerGradCheck.Assert(new PositionalEmbedding(5, 3), Tensor.RandN([2, 4, 3], new Generator(19)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TransformerEncoderBlock_Gradients_MatchFiniteDifferences(bool normFirst)
    {
        var block = new TransformerEncoderBlock(Embed, 2, mlpDim: 6, normFirst: normFirst, activation: "tanh");

        LayerGradCheck.Assert(block, Tensor.RandN([Batch, 3, Embed], new Generator(20)));
    }

    [Fact]
    public void PositionalEmbeddingAndEncoderBlock_SecondOrderGradients_MatchFiniteDifferences()
    {
        var generator = new Generator(25);
        Tensor x = Tensor.RandN([1, 2, Embed], generator, DType.Float64);
        var block = new TransformerEncoderBlock(Embed, 2, mlpDim: 3, normFirst: true, activation: "tanh");
        var positions = new PositionalEmbedding(3, Embed, dtype: DType.Float64);
        block.To(DType.Float64);
        Tensor[] parameters = [.. positions.Parameters()];

        GradCheckResult result;
        try
        {
            result = GradCheck.CheckSecondOrder(
                v =>
                {
                    positions.ReplaceParameters([v[1]]);
                    return block.Call(positions.Call(v[0]));
                },
                [x, parameters[0]]);
        }
        finally
        {
            positions.ReplaceParameters(parameters);
        }

        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void TransformerEncoderBlock_PostNorm_MatchesItsDefinitionFromTheSubLayers()
    {
        Tensor x = Tensor.RandN([Batch, 3, Embed], new Generator(21), DType.Float64);
        Tensor padding = Tensor.FromArray(new double[] { 1, 1, 0, 1, 0, 1 }, Batch, 3);
        var block = new TransformerEncoderBlock(Embed, 2, mlpDim: 6);
        block.To(DType.Float64);
        var layers = block.NamedChildren().ToDictionary(c => c.Key, c => c.Value);

        Tensor y = block.CallWithMask(x, padding);

        var attention = (MultiHeadAttention)layers["self_attn"];
        Tensor h = layers["norm1"].Call(x + attention.Call(x, x, x, keyPaddingMask: padding));
        Tensor expected = layers["norm2"].Call(h + layers["linear2"].Call(layers["linear1"].Call(h)));
        Assert.Equal(expected.ToArray<double>(), y.ToArray<double>());
        Assert.Equal(
            ["self_attn", "linear1", "linear2", "norm1", "norm2", "dropout"],
            block.NamedChildren().Select(c => c.Key));
    }

    public static TheoryData<string, bool> ModelsAndJit() => new()
    {
        { "attention", false }, { "attention", true }, { "encoder", false }, { "encoder", true },
    };

    [Theory]
    [MemberData(nameof(ModelsAndJit))]
    public void Attention_TinyTask_TrainsThroughFit(string kind, bool jit)
    {
        // Predict the sum of the first token's features: position 0 must be found among the others by attention.
        Tensor x = Tensor.RandN([64, 4, Embed], new Generator(22));
        Tensor y = x.Slice(1, 0, 1).Sum([1, 2]).Reshape(64, 1);
        Generator.ManualSeed(23);
        Sequential model = kind == "attention"
            ? new Sequential(new PositionalEmbedding(4, Embed), new MultiHeadAttention(2, Embed), new Flatten(), new Dense(1))
            : new Sequential(new PositionalEmbedding(4, Embed), new TransformerEncoderBlock(Embed, 2, 8, dropout: 0.1, normFirst: true, seed: 3), new Flatten(), new Dense(1));
        model.Compile(new Adam(model, 0.02), new MeanSquaredError(), jit: jit);

        History history = model.Fit(x, y, epochs: 20, batchSize: 16, verbose: Verbosity.Silent, seed: 1);

        Assert.True(history["loss"][^1] < 0.25 * history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
    }

    [Fact]
    public void Attention_TraceAtSymbolicBatch_RunsLikeEager()
    {
        Generator.ManualSeed(24);
        var model = new Sequential(
            new PositionalEmbedding(5, Embed),
            new MultiHeadAttention(2, Embed, causal: true),
            new TransformerEncoderBlock(Embed, 2, 8));
        model.Eval();

        Graph graph = Graph.Trace(model.Call, TensorSpec.Batched(5, Embed));

        string text = graph.ToString();
        Assert.Contains("f32[B,5,4]", text);
        Assert.Contains("softmax", text);
        Assert.Contains("where", text);
        foreach (int batch in new[] { 1, 3 })
        {
            Tensor x = Tensor.RandN([batch, 5, Embed], new Generator(batch));
            float[] eager = model.Call(x).ToArray(), traced = graph.Run(x)[0].ToArray();
            Assert.Equal(eager.Length, traced.Length);
            for (int i = 0; i < eager.Length; i++)
            {
                Assert.Equal(eager[i], traced[i], 1e-5f);
            }
        }
    }

    /// <summary>A float64 layer with random (so non-zero) biases.</summary>
    private static MultiHeadAttention CreateFloat64(int heads, bool causal = false, long seed = 0)
    {
        var mha = new MultiHeadAttention(heads, Embed, causal: causal);
        mha.To(DType.Float64);
        var generator = new Generator(seed);
        mha.LoadStateDict(mha.NamedParameters().ToDictionary(p => p.Key, p => Tensor.RandN(p.Value.Shape, generator, DType.Float64, std: 0.5)));
        return mha;
    }

    /// <summary>The mask tensors of each case, and the same rule as a predicate allowed(b, i, j) for the reference.</summary>
    private static (Tensor? Mask, Tensor? Padding, Func<int, int, int, bool> Allowed) Masks(string kind)
    {
        switch (kind)
        {
            case "padding":
                double[] keep = [1, 1, 0, 1, 0, 1, 1, 0];
                return (null, Tensor.FromArray(keep, Batch, Tk), (b, _, j) => keep[(b * Tk) + j] != 0);
            case "causal":
                return (null, null, (_, i, j) => j <= i);
            case "full":
                // A [B, 1, Tq, Tk] mask (rank 4) with query row 1 of batch 0 fully masked, and a padding mask on top.
                double[] mask = [1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1];
                double[] pad = [1, 1, 1, 1, 1, 1, 0, 1];
                return (Tensor.FromArray(mask, Batch, 1, Tq, Tk), Tensor.FromArray(pad, Batch, Tk),
                    (b, i, j) => mask[(((b * Tq) + i) * Tk) + j] != 0 && pad[(b * Tk) + j] != 0);
            default:
                return (null, null, (_, _, _) => true);
        }
    }

    /// <summary>
    /// torch.nn.MultiheadAttention's forward, one scalar at a time: Q, K, V = x·W_{q,k,v}ᵀ + b; per head h (features
    /// h·d … h·d + d − 1, d = E/heads) weights = softmax_j(Q_i·K_j / √d) over the allowed keys only (all zero when
    /// none is allowed); head output Σ_j w_ij V_j; output = concat(heads)·W_oᵀ + b_o.
    /// </summary>
    private static (double[] Output, double[] Weights) Reference(
        int heads, double[] query, double[] key, double[] value, double[] wIn, double[] bIn, double[] wOut, double[] bOut, Func<int, int, int, bool> allowed)
    {
        int d = Embed / heads;
        double[] Project(double[] x, int steps, int block)
        {
            var y = new double[Batch * steps * Embed];
            for (int r = 0; r < Batch * steps; r++)
            {
                for (int o = 0; o < Embed; o++)
                {
                    double sum = bIn[(block * Embed) + o];
                    for (int f = 0; f < Embed; f++)
                    {
                        sum += wIn[(((block * Embed) + o) * Embed) + f] * x[(r * Embed) + f];
                    }

                    y[(r * Embed) + o] = sum;
                }
            }

            return y;
        }

        double[] q = Project(query, Tq, 0), k = Project(key, Tk, 1), v = Project(value, Tk, 2);
        var weights = new double[Batch * heads * Tq * Tk];
        var concat = new double[Batch * Tq * Embed];
        for (int b = 0; b < Batch; b++)
        {
            for (int h = 0; h < heads; h++)
            {
                for (int i = 0; i < Tq; i++)
                {
                    var scores = new double[Tk];
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < Tk; j++)
                    {
                        double dot = 0;
                        for (int c = 0; c < d; c++)
                        {
                            dot += q[(((b * Tq) + i) * Embed) + (h * d) + c] * k[(((b * Tk) + j) * Embed) + (h * d) + c];
                        }

                        scores[j] = dot / Math.Sqrt(d);
                        if (allowed(b, i, j))
                        {
                            max = Math.Max(max, scores[j]);
                        }
                    }

                    double total = 0;
                    var exps = new double[Tk];
                    for (int j = 0; j < Tk; j++)
                    {
                        exps[j] = allowed(b, i, j) ? Math.Exp(scores[j] - max) : 0;
                        total += exps[j];
                    }

                    for (int j = 0; j < Tk; j++)
                    {
                        double w = total == 0 ? 0 : exps[j] / total;
                        weights[(((((b * heads) + h) * Tq) + i) * Tk) + j] = w;
                        for (int c = 0; c < d; c++)
                        {
                            concat[(((b * Tq) + i) * Embed) + (h * d) + c] += w * v[(((b * Tk) + j) * Embed) + (h * d) + c];
                        }
                    }
                }
            }
        }

        var output = new double[Batch * Tq * Embed];
        for (int r = 0; r < Batch * Tq; r++)
        {
            for (int o = 0; o < Embed; o++)
            {
                double sum = bOut[o];
                for (int f = 0; f < Embed; f++)
                {
                    sum += wOut[(o * Embed) + f] * concat[(r * Embed) + f];
                }

                output[(r * Embed) + o] = sum;
            }
        }

        return (output, weights);
    }

    private static double MaxDifference(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        return expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
    }

    /// <summary>Self-attention with fixed masks as a one-input layer, so LayerGradCheck can drive it.</summary>
    private sealed class SelfAttention(MultiHeadAttention attention, Tensor? mask, Tensor? padding) : Layer
    {
        private readonly MultiHeadAttention attention = attention;

        [NotTracked]
        private readonly Tensor? mask = mask;

        [NotTracked]
        private readonly Tensor? padding = padding;

        public override Tensor Forward(Tensor input) => attention.Call(input, input, input, mask, padding);
    }
}
