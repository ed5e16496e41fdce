using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Schedules;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary>
/// Each optimizer runs three steps on p = [0.5, −1, 2] with known gradients; the expected values come from the
/// published update formulas, re-implemented here in plain double arithmetic.
/// </summary>
public class OptimizerTests
{
    private static readonly double[] Start = [0.5, -1.0, 2.0];

    private static readonly double[][] Gradients = [[0.1, -0.2, 0.3], [0.4, 0.0, -0.5], [-0.3, 0.25, 0.05]];

    public static TheoryData<string> Cases() =>
        ["sgd", "sgd momentum", "sgd nesterov", "sgd weight decay", "adam", "adam weight decay", "adamw", "rmsprop", "rmsprop momentum", "adagrad"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_ThreeSteps_MatchesPublishedFormula(string name)
    {
        var p = Tensor.FromArray((double[])Start.Clone()).RequireGrad();
        Optimizer optimizer = Create(name, p);
        double[] expected = (double[])Start.Clone();
        var state = new Dictionary<string, double[]>();
        for (int step = 1; step <= 3; step++)
        {
            optimizer.ZeroGrad();
            (p * Tensor.FromArray(Gradients[step - 1])).Sum().Backward();
            optimizer.Step();
            Reference(name, expected, Gradients[step - 1], step, state);
            var actual = p.ToArray<double>();
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-12, $"{name} step {step} element {i}: expected {expected[i]:R}, got {actual[i]:R}");
            }
        }

        Assert.Equal(3, optimizer.StepCount);
    }

    [Fact]
    public void Step_Float32Parameters_MatchFloat64WithinSinglePrecision()
    {
        var p32 = Tensor.FromArray(Start.Select(v => (float)v).ToArray()).RequireGrad();
        var p64 = Tensor.FromArray((double[])Start.Clone()).RequireGrad();
        var a = new Adam([p32], 0.1);
        var b = new Adam([p64], 0.1);
        for (int step = 0; step < 3; step++)
        {
            (p32 * Tensor.FromArray(Gradients[step].Select(v => (float)v).ToArray())).Sum().Backward();
            (p64 * Tensor.FromArray(Gradients[step])).Sum().Backward();
            a.Step();
            b.Step();
            a.ZeroGrad();
            b.ZeroGrad();
        }

        var x = p32.ToArray<double>();
        var y = p64.ToArray<double>();
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(y[i], x[i], 5);
        }
    }

    [Fact]
    public void Step_ParameterWithoutGradient_IsLeftUnchanged()
    {
        var used = Tensor.FromArray(new double[] { 1.0 }).RequireGrad();
        var unused = Tensor.FromArray(new double[] { 5.0 }).RequireGrad();
        var optimizer = new Sgd([used, unused], 0.1);
        (used * 2.0).Sum().Backward();
        optimizer.Step();
        Assert.Equal(0.8, used.ItemDouble(), 12);
        Assert.Equal(5.0, unused.ItemDouble());
    }

    [Fact]
    public void Constructor_EmptyParameterList_ExplainsLazyModels()
    {
        var model = new Sequential(new Dense(3));
        var error = Assert.Throws<ArgumentException>(() => new Adam(model.Parameters()));
        Assert.StartsWith("Adam: the parameter list is empty. A model whose layers infer their input size has no parameters until its first call", error.Message);
    }

    [Fact]
    public void Constructor_WithModel_PicksUpParametersCreatedLater()
    {
        var model = new Sequential(new Dense(1, kernelInitializer: new AutoGrad.NN.Initializers.Constant(1.0)));
        var optimizer = new Sgd(model, 0.5);
        var x = Tensor.FromArray(new double[] { 2.0 }, 1, 1);
        model.Call(x).Sum().Backward();
        optimizer.Step();
        // kernel 1 − 0.5·2 = 0, bias 0 − 0.5·1 = −0.5
        Assert.Equal(new[] { 0.0, -0.5 }, optimizer.Parameters.Select(t => t.ItemDouble()).ToArray());
    }

    [Fact]
    public void ClipGradNorm_AboveMax_ScalesToMaxNormAndReturnsOriginal()
    {
        var a = Tensor.FromArray(new double[] { 1.0 }).RequireGrad();
        var b = Tensor.FromArray(new double[] { 1.0, 1.0 }).RequireGrad();
        a.Grad = Tensor.FromArray(new double[] { 3.0 });
        b.Grad = Tensor.FromArray(new double[] { 0.0, 4.0 });
        double norm = GradientClipping.ClipGradNorm([a, b], 1.0);
        // PyTorch's clip_grad_norm_: coefficient maxNorm / (norm + 1e-6), capped at 1.
        double coefficient = 1.0 / (5.0 + 1e-6);
        Assert.Equal(5.0, norm, 12);
        Assert.Equal(3.0 * coefficient, a.Grad.ItemDouble(), 12);
        Assert.Equal(new[] { 0.0, Math.Round(4.0 * coefficient, 12) }, b.Grad.ToArray<double>().Select(v => Math.Round(v, 12)).ToArray());
    }

    [Fact]
    public void ClipNorm_OnOptimizer_ClipsBeforeTheUpdate()
    {
        var p = Tensor.FromArray(new double[] { 0.0, 0.0 }).RequireGrad();
        var optimizer = new Sgd([p], 1.0) { ClipNorm = 1.0 };
        (p * Tensor.FromArray(new double[] { 30.0, 40.0 })).Sum().Backward();
        optimizer.Step();
        double coefficient = 1.0 / (50.0 + 1e-6);
        Assert.Equal(new[] { Math.Round(-30 * coefficient, 12), Math.Round(-40 * coefficient, 12) }, p.ToArray<double>().Select(v => Math.Round(v, 12)).ToArray());
        // Clipping inside Step scales what the update uses, not the stored gradient (unlike ClipGradNorm).
        Assert.Equal(new[] { 30.0, 40.0 }, p.Grad!.ToArray<double>());
    }

    [Fact]
    public void Schedule_OnOptimizer_SetsRateBeforeEachStep()
    {
        var p = Tensor.FromArray(new double[] { 0.0 }).RequireGrad();
        var optimizer = new Sgd([p], 1.0) { Schedule = new StepDecay(1.0, 1, 0.5) };
        for (int i = 0; i < 3; i++)
        {
            optimizer.ZeroGrad();
            p.Sum().Backward();
            optimizer.Step();
        }

        // Rates 1, 0.5, 0.25 with gradient 1.
        Assert.Equal(-1.75, p.ItemDouble(), 12);
        Assert.Equal(0.25, optimizer.LearningRate, 12);
    }

    private static Optimizer Create(string name, Tensor p) => name switch
    {
        "sgd" => new Sgd([p], 0.1),
        "sgd momentum" => new Sgd([p], 0.1, momentum: 0.9, dampening: 0.1),
        "sgd nesterov" => new Sgd([p], 0.1, momentum: 0.9, nesterov: true),
        "sgd weight decay" => new Sgd([p], 0.1, weightDecay: 0.01),
        "adam" => new Adam([p], 0.1),
        "adam weight decay" => new Adam([p], 0.1, weightDecay: 0.1),
        "adamw" => new AdamW([p], 0.1, weightDecay: 0.1),
        "rmsprop" => new RmsProp([p], 0.01),
        "rmsprop momentum" => new RmsProp([p], 0.01, momentum: 0.5),
        "adagrad" => new Adagrad([p], 0.1, initialAccumulatorValue: 0.1),
        _ => throw new ArgumentException(name),
    };

    private static double[] Slot(Dictionary<string, double[]> state, string key, int n, double initial = 0)
    {
        if (!state.TryGetValue(key, out var values))
        {
            state[key] = values = Enumerable.Repeat(initial, n).ToArray();
        }

        return values;
    }

    // The update rules as published (PyTorch's documented pseudo-code for torch.optim), one element at a time.
    private static void Reference(string name, double[] p, double[] g, int t, Dictionary<string, double[]> state)
    {
        int n = p.Length;
        for (int i = 0; i < n; i++)
        {
            double gi = g[i];
            switch (name)
            {
                case "sgd":
                    p[i] -= 0.1 * gi;
                    break;
                case "sgd weight decay":
                    p[i] -= 0.1 * (gi + (0.01 * p[i]));
                    break;
                case "sgd momentum":
                {
                    var b = Slot(state, "b", n);
                    b[i] = t == 1 ? gi : (0.9 * b[i]) + (0.9 * gi);
                    p[i] -= 0.1 * b[i];
                    break;
                }

                case "sgd nesterov":
                {
                    var b = Slot(state, "b", n);
                    b[i] = t == 1 ? gi : (0.9 * b[i]) + gi;
                    p[i] -= 0.1 * (gi + (0.9 * b[i]));
                    break;
                }

                case "adam" or "adam weight decay" or "adamw":
                {
                    var m = Slot(state, "m", n);
                    var v = Slot(state, "v", n);
                    if (name == "adamw")
                    {
                        p[i] *= 1 - (0.1 * 0.1);
                    }
                    else if (name == "adam weight decay")
                    {
                        gi += 0.1 * p[i];
                    }

                    m[i] = (0.9 * m[i]) + (0.1 * gi);
                    v[i] = (0.999 * v[i]) + (0.001 * gi * gi);
                    double mHat = m[i] / (1 - Math.Pow(0.9, t));
                    double vHat = v[i] / (1 - Math.Pow(0.999, t));
                    p[i] -= 0.1 * mHat / (Math.Sqrt(vHat) + 1e-8);
                    break;
                }

                case "rmsprop" or "rmsprop momentum":
                {
                    var v = Slot(state, "v", n);
                    v[i] = (0.99 * v[i]) + (0.01 * gi * gi);
                    double scaled = gi / (Math.Sqrt(v[i]) + 1e-8);
                    if (name == "rmsprop momentum")
                    {
                        var b = Slot(state, "b", n);
                        b[i] = (0.5 * b[i]) + scaled;
                        scaled = b[i];
                    }

                    p[i] -= 0.01 * scaled;
                    break;
                }

                case "adagrad":
                {
                    var s = Slot(state, "s", n, 0.1);
                    s[i] += gi * gi;
                    p[i] -= 0.1 * gi / (Math.Sqrt(s[i]) + 1e-10);
                    break;
                }
            }
        }
    }
}
