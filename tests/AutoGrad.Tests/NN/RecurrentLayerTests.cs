using AutoGrad.Differentiation;
using AutoGrad.NN;
using AutoGrad.NN.Initializers;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary>
/// SimpleRnn, Lstm and Gru: outputs against PyTorch's published equations written out as plain float64 loops here
/// (so the gate order and the GRU's r ⊙ (W_hn h + b_hn) are checked, not assumed), shapes, initial states, names,
/// initialization, gradients (first and second order) and training through Fit.
/// </summary>
public class RecurrentLayerTests
{
    private const int Batch = 2, Steps = 3, Features = 3, Hidden = 4;

    public static TheoryData<string> Kinds() => ["rnn", "lstm", "gru"];

    public static TheoryData<string, bool> KindsAndStates() => new()
    {
        { "rnn", false }, { "rnn", true }, { "lstm", false }, { "lstm", true }, { "gru", false }, { "gru", true },
    };

    [Theory]
    [MemberData(nameof(KindsAndStates))]
    public void Recurrent_Float64_MatchesHandWrittenPyTorchEquations(string kind, bool withInitialState)
    {
        var generator = new Generator(3);
        Tensor x = Tensor.RandN([Batch, Steps, Features], generator, DType.Float64);
        Tensor? h0 = withInitialState ? Tensor.RandN([Batch, Hidden], generator, DType.Float64, std: 0.5) : null;
        Tensor? c0 = withInitialState && kind == "lstm" ? Tensor.RandN([Batch, Hidden], generator, DType.Float64, std: 0.5) : null;
        Layer layer = Create(kind, returnSequences: true);

        (Tensor output, Tensor h, Tensor? c) = CallWithState(layer, x, h0, c0);

        var (wih, whh, bih, bhh) = Weights(layer);
        var (expected, expectedH, expectedC) = Reference(kind, x.ToArray<double>(), wih, whh, bih, bhh, h0?.ToArray<double>(), c0?.ToArray<double>());
        Assert.Equal(new[] { Batch, Steps, Hidden }, output.Shape.ToArray());
        AssertClose(expected, output.ToArray<double>(), 1e-12);
        AssertClose(expectedH, h.ToArray<double>(), 1e-12);
        if (kind == "lstm")
        {
            AssertClose(expectedC!, c!.ToArray<double>(), 1e-12);
        }

        // The reference is not trivially small: the states move well away from zero.
        Assert.True(expected.Max(Math.Abs) > 0.1);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Recurrent_ReturnSequences_GivesEveryStepOrTheLast(string kind)
    {
        Tensor x = Tensor.RandN([Batch, Steps, Features], new Generator(5));
        Layer sequences = Create(kind, returnSequences: true, initializer: new RandomUniform(-0.5, 0.5, seed: 9));
        Layer last = Create(kind, returnSequences: false, initializer: new RandomUniform(-0.5, 0.5, seed: 9));

        Tensor all = sequences.Call(x);
        Tensor final = last.Call(x);

        Assert.Equal(new[] { Batch, Steps, Hidden }, all.Shape.ToArray());
        Assert.Equal(new[] { Batch, Hidden }, final.Shape.ToArray());
        Assert.Equal(all.Slice(1, Steps - 1, Steps).Reshape(Batch, Hidden).ToArray<float>(), final.ToArray<float>());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Recurrent_InitialState_IsHonoured(string kind)
    {
        var generator = new Generator(8);
        Tensor x = Tensor.RandN([Batch, Steps, Features], generator, DType.Float64);
        Tensor zeros = Tensor.Zeros([Batch, Hidden], DType.Float64);
        Tensor h0 = Tensor.RandN([Batch, Hidden], generator, DType.Float64);
        Layer layer = Create(kind, returnSequences: false);

        Tensor fromNothing = layer.Call(x);
        Tensor fromZeros = CallWithState(layer, x, zeros, kind == "lstm" ? zeros : null).Output;
        Tensor fromH0 = CallWithState(layer, x, h0, kind == "lstm" ? zeros : null).Output;

        // An explicit zero state is the default one; a different state changes the result.
        AssertClose(fromNothing.ToArray<double>(), fromZeros.ToArray<double>(), 1e-15);
        Assert.True(fromNothing.ToArray<double>().Zip(fromH0.ToArray<double>(), (a, b) => Math.Abs(a - b)).Max() > 1e-3);
    }

    [Fact]
    public void Lstm_InitialCellState_IsHonoured()
    {
        var generator = new Generator(4);
        Tensor x = Tensor.RandN([Batch, Steps, Features], generator, DType.Float64);
        Tensor c0 = Tensor.RandN([Batch, Hidden], generator, DType.Float64);
        var lstm = new Lstm(Hidden);

        Tensor fromNothing = lstm.Call(x);
        var (output, h, c) = lstm.CallWithState(x, c0: c0);

        Assert.True(fromNothing.ToArray<double>().Zip(output.ToArray<double>(), (a, b) => Math.Abs(a - b)).Max() > 1e-3);
        Assert.Equal(output.ToArray<double>(), h.ToArray<double>());
        Assert.Equal(new[] { Batch, Hidden }, c.Shape.ToArray());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Recurrent_Parameters_HavePyTorchNamesShapesAndInitialization(string kind)
    {
        // A fixed seed: with only 36 values (rnn) the spread check below would otherwise depend on which tests ran
        // before on this thread's default generator.
        Generator.ManualSeed(5);
        Layer layer = Create(kind, returnSequences: false);
        layer.Call(Tensor.Zeros([1, 1, Features]));
        int gates = kind switch { "lstm" => 4, "gru" => 3, _ => 1 };

        var named = layer.NamedParameters().ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal(new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" }, layer.NamedParameters().Select(p => p.Key));
        Assert.Equal(new[] { gates * Hidden, Features }, named["weight_ih"].Shape.ToArray());
        Assert.Equal(new[] { gates * Hidden, Hidden }, named["weight_hh"].Shape.ToArray());
        Assert.Equal(new[] { gates * Hidden }, named["bias_ih"].Shape.ToArray());
        Assert.Equal(new[] { gates * Hidden }, named["bias_hh"].Shape.ToArray());

        // PyTorch's U(−1/√H, 1/√H) for all four (H = 4: bound 0.5), spread over most of the range.
        float[] all = [.. named.Values.SelectMany(p => p.ToArray<float>())];
        Assert.All(all, v => Assert.InRange(v, -0.5f, 0.5f));
        Assert.True(all.Max() > 0.35f && all.Min() < -0.35f);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Recurrent_WithoutBias_HasOnlyWeights(string kind)
    {
        Layer layer = Create(kind, returnSequences: false, useBias: false);
        layer.Call(Tensor.RandN([Batch, Steps, Features], new Generator(1)));
        Assert.Equal(new[] { "weight_ih", "weight_hh" }, layer.NamedParameters().Select(p => p.Key));
    }

    [Theory]
    [MemberData(nameof(KindsAndStates))]
    public void Recurrent_LayerGradCheck_MatchesFiniteDifferences(string kind, bool returnSequences)
    {
        Layer layer = Create(kind, returnSequences, useBias: true);
        var result = LayerGradCheck.Check(layer, Tensor.RandN([Batch, Steps, Features], new Generator(11)));
        Assert.True(result.Passed, result.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Recurrent_GradientsWithRespectToInitialState_MatchFiniteDifferences(string kind)
    {
        var generator = new Generator(12);
        Tensor x = Tensor.RandN([Batch, Steps, Features], generator, DType.Float64);
        Tensor h0 = Tensor.RandN([Batch, Hidden], generator, DType.Float64);
        Tensor c0 = Tensor.RandN([Batch, Hidden], generator, DType.Float64);
        Layer layer = Create(kind, returnSequences: true);
        layer.Call(x);

        var result = GradCheck.Check(
            v => CallWithState(layer, v[0], v[1], kind == "lstm" ? v[2] : null).Output,
            [x, h0, c0 * (kind == "lstm" ? 1 : 0)]);

        Assert.True(result.Passed, result.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Recurrent_SecondOrderGradients_MatchFiniteDifferences(string kind)
    {
        var generator = new Generator(13);
        Tensor x = Tensor.RandN([Batch, 2, Features], generator, DType.Float64);
        Tensor h0 = Tensor.RandN([Batch, Hidden], generator, DType.Float64);
        Layer layer = Create(kind, returnSequences: true);
        layer.Call(x);
        Tensor[] parameters = [.. layer.Parameters()];

        // Through the input, the initial state and the recurrent weights (parameter 1, weight_hh), so every kind of
        // op on the path is differentiated twice.
        GradCheckResult result;
        try
        {
            result = GradCheck.CheckSecondOrder(
                v =>
                {
                    layer.ReplaceParameters([parameters[0], v[2], parameters[2], parameters[3]]);
                    return CallWithState(layer, v[0], v[1], null).Output;
                },
                [x, h0, parameters[1]]);
        }
        finally
        {
            layer.ReplaceParameters(parameters);
        }

        Assert.True(result.Passed, result.Message);
    }

    [Theory]
    [InlineData("rnn", false)]
    [InlineData("lstm", false)]
    [InlineData("gru", false)]
    [InlineData("lstm", true)]
    public void Recurrent_SequenceTask_TrainsThroughFit(string kind, bool jit)
    {
        // Recall the first element of a sequence of 5: the answer has to be carried through the recurrence.
        Tensor x = Tensor.RandN([64, 5, 1], new Generator(21));
        Tensor y = x.Slice(1, 0, 1).Reshape(64, 1);
        Generator.ManualSeed(5);
        var model = new Sequential(Create(kind, returnSequences: false, hidden: 8), new Dense(1));
        model.Compile(new Adam(model, 0.02), new MeanSquaredError(), jit: jit);

        History history = model.Fit(x, y, epochs: 25, batchSize: 16, verbose: Verbosity.Silent, seed: 1);

        Assert.True(history["loss"][^1] < 0.25 * history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
    }

    [Fact]
    public void Recurrent_BadInputsAndStates_ThrowNamedErrors()
    {
        var lstm = new Lstm(Hidden, inputSize: Features);

        var rank = Assert.Throws<ArgumentException>(() => lstm.Call(Tensor.Zeros([Batch, Features])));
        Assert.Contains("Lstm 'lstm': the input must be batch-first [batch, time, features] (rank 3), got shape", rank.Message);
        var features = Assert.Throws<ArgumentException>(() => lstm.Call(Tensor.Zeros([Batch, Steps, 5])));
        Assert.Contains("the input has 5 features", features.Message);
        var empty = Assert.Throws<ArgumentException>(() => lstm.Call(Tensor.Zeros([Batch, 0, Features])));
        Assert.Contains("no time steps", empty.Message);
        var state = Assert.Throws<ArgumentException>(() => lstm.CallWithState(Tensor.Zeros([Batch, Steps, Features]), Tensor.Zeros([Batch, 3])));
        Assert.Contains("the initial state h0 must have shape [2, 4]", state.Message);
        var dtype = Assert.Throws<ArgumentException>(() => new Gru(Hidden).CallWithState(Tensor.Zeros([Batch, Steps, Features]), Tensor.Zeros([Batch, Hidden], DType.Float64)));
        Assert.Contains("the initial state h0 is f64[2,4] but the input is f32[2,3,3]", dtype.Message);
    }

    private static Layer Create(string kind, bool returnSequences, bool useBias = true, Initializer? initializer = null, int hidden = Hidden) => kind switch
    {
        "rnn" => new SimpleRnn(hidden, returnSequences: returnSequences, useBias: useBias, initializer: initializer),
        "lstm" => new Lstm(hidden, returnSequences, useBias, initializer),
        "gru" => new Gru(hidden, returnSequences, useBias, initializer),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static (Tensor Output, Tensor H, Tensor? C) CallWithState(Layer layer, Tensor x, Tensor? h0, Tensor? c0) => layer switch
    {
        Lstm lstm => lstm.CallWithState(x, h0, c0),
        Gru gru => Append(gru.CallWithState(x, h0)),
        SimpleRnn rnn => Append(rnn.CallWithState(x, h0)),
        _ => throw new ArgumentOutOfRangeException(nameof(layer)),
    };

    private static (Tensor, Tensor, Tensor?) Append((Tensor Output, Tensor H) result) => (result.Output, result.H, null);

    private static (double[] Wih, double[] Whh, double[] Bih, double[] Bhh) Weights(Layer layer)
    {
        var named = layer.NamedParameters().ToDictionary(p => p.Key, p => p.Value.ToArray<double>());
        return (named["weight_ih"], named["weight_hh"], named["bias_ih"], named["bias_hh"]);
    }

    /// <summary>
    /// PyTorch's documented equations, one scalar at a time: RNN h' = tanh(W_ih x + b_ih + W_hh h + b_hh); LSTM gates
    /// i, f, g, o in that row order; GRU gates r, z, n with n = tanh(W_in x + b_in + r·(W_hn h + b_hn)).
    /// </summary>
    private static (double[] Outputs, double[] H, double[]? C) Reference(
        string kind, double[] x, double[] wih, double[] whh, double[] bih, double[] bhh, double[]? h0, double[]? c0)
    {
        int gates = kind switch { "lstm" => 4, "gru" => 3, _ => 1 };
        var outputs = new double[Batch * Steps * Hidden];
        var hFinal = new double[Batch * Hidden];
        var cFinal = new double[Batch * Hidden];
        for (int b = 0; b < Batch; b++)
        {
            var h = new double[Hidden];
            var c = new double[Hidden];
            for (int k = 0; k < Hidden; k++)
            {
                h[k] = h0?[(b * Hidden) + k] ?? 0;
                c[k] = c0?[(b * Hidden) + k] ?? 0;
            }

            for (int t = 0; t < Steps; t++)
            {
                // gi = W_ih x + b_ih and gh = W_hh h + b_hh, every gate row.
                var gi = new double[gates * Hidden];
                var gh = new double[gates * Hidden];
                for (int j = 0; j < gates * Hidden; j++)
                {
                    gi[j] = bih[j];
                    for (int f = 0; f < Features; f++)
                    {
                        gi[j] += wih[(j * Features) + f] * x[(((b * Steps) + t) * Features) + f];
                    }

                    gh[j] = bhh[j];
                    for (int k = 0; k < Hidden; k++)
                    {
                        gh[j] += whh[(j * Hidden) + k] * h[k];
                    }
                }

                var next = new double[Hidden];
                for (int k = 0; k < Hidden; k++)
                {
                    switch (kind)
                    {
                        case "rnn":
                            next[k] = Math.Tanh(gi[k] + gh[k]);
                            break;
                        case "lstm":
                            double i = Sigmoid(gi[k] + gh[k]);
                            double f = Sigmoid(gi[Hidden + k] + gh[Hidden + k]);
                            double g = Math.Tanh(gi[(2 * Hidden) + k] + gh[(2 * Hidden) + k]);
                            double o = Sigmoid(gi[(3 * Hidden) + k] + gh[(3 * Hidden) + k]);
                            c[k] = (f * c[k]) + (i * g);
                            next[k] = o * Math.Tanh(c[k]);
                            break;
                        default:
                            double r = Sigmoid(gi[k] + gh[k]);
                            double z = Sigmoid(gi[Hidden + k] + gh[Hidden + k]);
                            double n = Math.Tanh(gi[(2 * Hidden) + k] + (r * gh[(2 * Hidden) + k]));
                            next[k] = ((1 - z) * n) + (z * h[k]);
                            break;
                    }
                }

                h = next;
                for (int k = 0; k < Hidden; k++)
                {
                    outputs[(((b * Steps) + t) * Hidden) + k] = h[k];
                }
            }

            Array.Copy(h, 0, hFinal, b * Hidden, Hidden);
            Array.Copy(c, 0, cFinal, b * Hidden, Hidden);
        }

        return (outputs, hFinal, kind == "lstm" ? cFinal : null);
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
