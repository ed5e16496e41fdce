using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Initializers;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using AutoGrad.Tests.Graphs;
using AutoGrad.Tests.IO;

namespace AutoGrad.Tests.NN;

/// <summary>
/// Issue 14 item 6: Adam/AdamW <c>amsgrad</c>, RMSprop <c>centered</c>, NAdam and RAdam. Each is stepped against a plain
/// float64 transcription of the algorithm in PyTorch's <c>torch.optim</c> documentation (and its single-tensor code),
/// run eagerly and compiled, and saved and loaded with its extra slots.
/// </summary>
public class PyTorchOptimizerVariantTests
{
    private static readonly double[] Start = [0.5, -1.0, 2.0, 0.0];

    // Ten steps, so RAdam crosses from its un-rectified first steps (ρₜ ≤ 5 up to t = 5) into the rectified ones.
    private const int Steps = 10;

    private static double[] Gradient(int step) =>
        [Math.Sin(1.3 * step), 0.5 * Math.Cos(0.7 * step) - 0.2, step % 3 == 0 ? 0.0 : 0.3 / step, -0.1 * step];

    public static TheoryData<string> Cases() =>
    [
        "adam amsgrad", "adam amsgrad weight decay", "adamw amsgrad", "rmsprop centered", "rmsprop centered momentum weight decay",
        "nadam", "nadam defaults", "nadam weight decay", "nadam decoupled", "radam", "radam defaults", "radam weight decay", "radam decoupled",
    ];

    internal static Optimizer Create(string name, IEnumerable<Tensor> p) => name switch
    {
        "adam amsgrad" => new Adam(p, 0.1, amsgrad: true),
        "adam amsgrad weight decay" => new Adam(p, 0.1, beta2: 0.9, weightDecay: 0.1, amsgrad: true),
        "adamw amsgrad" => new AdamW(p, 0.1, weightDecay: 0.1, amsgrad: true),
        "rmsprop centered" => new RmsProp(p, 0.01, centered: true),
        "rmsprop centered momentum weight decay" => new RmsProp(p, 0.01, alpha: 0.9, momentum: 0.5, weightDecay: 0.1, centered: true),
        "nadam" => new NAdam(p, 0.1),
        "nadam defaults" => new NAdam(p),
        "nadam weight decay" => new NAdam(p, 0.1, beta2: 0.99, weightDecay: 0.1, momentumDecay: 0.01),
        "nadam decoupled" => new NAdam(p, 0.1, weightDecay: 0.1, decoupledWeightDecay: true),
        "radam" => new RAdam(p, 0.1),
        "radam defaults" => new RAdam(p),
        "radam weight decay" => new RAdam(p, 0.1, beta2: 0.99, weightDecay: 0.1),
        "radam decoupled" => new RAdam(p, 0.1, weightDecay: 0.1, decoupledWeightDecay: true),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_TenSteps_MatchesPyTorchsDocumentedAlgorithm(string name)
    {
        var p = Tensor.FromArray((double[])Start.Clone()).RequireGrad();
        Optimizer optimizer = Create(name, [p]);
        var reference = new Reference(name, (double[])Start.Clone());
        for (int step = 1; step <= Steps; step++)
        {
            optimizer.ZeroGrad();
            (p * Tensor.FromArray(Gradient(step))).Sum().Backward();
            optimizer.Step();
            reference.Step(Gradient(step));
            var actual = p.ToArray<double>();
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.True(Math.Abs(reference.P[i] - actual[i]) <= 1e-12,
                    $"{name} step {step} element {i}: expected {reference.P[i]:R}, got {actual[i]:R}");
            }
        }

        Assert.NotEqual(Start, p.ToArray<double>());
    }

    [Fact]
    public void SlotNames_GrowOnlyWithTheOptionsThatNeedThem()
    {
        Tensor[] p = [Tensor.Zeros([2]).RequireGrad()];
        Assert.Equal(["m", "v"], new Adam(p).SlotNames);
        Assert.Equal(["m", "v", "max_v"], new Adam(p, amsgrad: true).SlotNames);
        Assert.Equal(["m", "v", "max_v"], new AdamW(p, amsgrad: true).SlotNames);
        Assert.Equal(["square_avg"], new RmsProp(p).SlotNames);
        Assert.Equal(["square_avg", "grad_avg"], new RmsProp(p, centered: true).SlotNames);
        Assert.Equal(["square_avg", "momentum", "grad_avg"], new RmsProp(p, momentum: 0.9, centered: true).SlotNames);
        Assert.Equal(["m", "v"], new NAdam(p).SlotNames);
        Assert.Equal(["m", "v"], new RAdam(p).SlotNames);
        Assert.Equal(0.002, new NAdam(p).LearningRate);
        Assert.Equal(0.001, new RAdam(p).LearningRate);
    }

    [Fact]
    public void Constructors_OutOfRangeHyperparameters_NameTheParameter()
    {
        Tensor[] p = [Tensor.Zeros([2]).RequireGrad()];
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new NAdam(p, beta1: 1)).ParamName);
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new NAdam(p, beta2: -0.1)).ParamName);
        Assert.Equal("momentumDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new NAdam(p, momentumDecay: -1)).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new NAdam(p, epsilon: double.NaN)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new NAdam(p, weightDecay: -1)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new NAdam(p, learningRate: -1)).ParamName);
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new RAdam(p, beta1: 1)).ParamName);
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new RAdam(p, beta2: 1)).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new RAdam(p, epsilon: -1)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new RAdam(p, weightDecay: double.PositiveInfinity)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(p, alpha: 1, centered: true)).ParamName);
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(p, beta2: 1, amsgrad: true)).ParamName);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EagerStep_AndCompiledTrainingStep_EndWithTheSameWeightsAndSlots(string name)
    {
        var (eagerModel, eagerOptimizer) = Build(name);
        var (compiledModel, compiledOptimizer) = Build(name);
        var loss = new MeanSquaredError();
        var xSpec = new TensorSpec([Dim.B, Dim.Fixed(3)], DType.Float64);
        var ySpec = new TensorSpec([Dim.B, Dim.Fixed(2)], DType.Float64);
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(compiledModel.Call(x), y), xSpec, ySpec, compiledOptimizer);
        var generator = new Generator(3);
        for (int i = 0; i < Steps; i++)
        {
            Tensor x = Tensor.RandN([5, 3], generator).To(DType.Float64), y = Tensor.RandN([5, 2], generator).To(DType.Float64);
            eagerOptimizer.ZeroGrad();
            loss.Compute(eagerModel.Call(x), y).Backward();
            eagerOptimizer.Step();
            step.Step(x, y);
        }

        var eager = eagerModel.Parameters();
        var compiled = compiledModel.Parameters();
        for (int i = 0; i < eager.Count; i++)
        {
            AssertClose(eager[i], compiled[i], $"{name}: parameter {eager[i].Name}");
            var eagerState = eagerOptimizer.States[eager[i]];
            var compiledState = compiledOptimizer.States[compiled[i]];
            Assert.Equal(Steps, compiledState.Steps);
            for (int s = 0; s < eagerState.Slots.Length; s++)
            {
                AssertClose(eagerState.Slots[s], compiledState.Slots[s], $"{name}: {eager[i].Name} slot {eagerOptimizer.SlotNames[s]}");
            }
        }

        Assert.NotEqual(Build(name).Model.Parameters()[0].ToArray(), compiled[0].ToArray());
    }

    [Theory]
    [InlineData("adam amsgrad")]
    [InlineData("adamw amsgrad")]
    [InlineData("rmsprop centered")]
    [InlineData("rmsprop centered momentum weight decay")]
    [InlineData("nadam")]
    [InlineData("radam")]
    public void SaveAndLoad_MidTraining_KeepsTheExtraSlotsAndContinuesExactly(string name)
    {
        var generator = new Generator(4);
        var batches = Enumerable.Range(0, 2 * Steps)
            .Select(_ => (X: Tensor.RandN([5, 3], generator).To(DType.Float64), Y: Tensor.RandN([5, 2], generator).To(DType.Float64)))
            .ToArray();
        static void Train(Layer model, Optimizer optimizer, IEnumerable<(Tensor X, Tensor Y)> data)
        {
            foreach (var (x, y) in data)
            {
                optimizer.ZeroGrad();
                new MeanSquaredError().Compute(model.Call(x), y).Backward();
                optimizer.Step();
            }
        }

        var (straight, straightOptimizer) = Build(name);
        Train(straight, straightOptimizer, batches);

        using var directory = new TempDirectory();
        string path = directory.File("mid.safetensors");
        var (first, firstOptimizer) = Build(name);
        Train(first, firstOptimizer, batches.Take(Steps));
        first.Save(path, firstOptimizer);

        var (resumed, resumedOptimizer) = Build(name);
        resumed.Load(path, resumedOptimizer);
        var saved = first.Parameters();
        var loaded = resumed.Parameters();
        for (int i = 0; i < saved.Count; i++)
        {
            var before = firstOptimizer.States[saved[i]];
            var after = resumedOptimizer.States[loaded[i]];
            Assert.Equal(Steps, after.Steps);
            for (int s = 0; s < before.Slots.Length; s++)
            {
                Assert.Equal(before.Slots[s].ToArray(), after.Slots[s].ToArray());
                Assert.Contains(after.Slots[s].ToArray<double>(), value => value != 0);
            }
        }

        Train(resumed, resumedOptimizer, batches.Skip(Steps));
        Assert.Equal(straight.Parameters().SelectMany(t => t.ToArray()), resumed.Parameters().SelectMany(t => t.ToArray()));
    }

    private static (Sequential Model, Optimizer Optimizer) Build(string name)
    {
        var model = new Sequential(
            new Dense(4, "tanh", kernelInitializer: new GlorotUniform(1)),
            new Dense(2, kernelInitializer: new GlorotUniform(2)));
        model.Build(new Shape(3), DType.Float64);
        return (model, Create(name, model.Parameters()));
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        double error = actual.MaxRelativeError(expected);
        Assert.True(error <= 1e-6, $"{what}: relative error {error}");
    }

    /// <summary>
    /// PyTorch's documented algorithms (torch.optim.Adam/AdamW with amsgrad, RMSprop with centered, NAdam, RAdam), one
    /// element at a time in float64, written from the documentation rather than from the kernels.
    /// </summary>
    private sealed class Reference(string name, double[] p)
    {
        private readonly double[] m = new double[p.Length], v = new double[p.Length], maxV = new double[p.Length], b = new double[p.Length], gAvg = new double[p.Length];
        private int t;
        private double muProduct = 1;

        public double[] P => p;

        public void Step(double[] gradient)
        {
            t++;
            switch (name)
            {
                case "adam amsgrad": Adam(gradient, 0.1, 0.9, 0.999, 0, decoupled: false); break;
                case "adam amsgrad weight decay": Adam(gradient, 0.1, 0.9, 0.9, 0.1, decoupled: false); break;
                case "adamw amsgrad": Adam(gradient, 0.1, 0.9, 0.999, 0.1, decoupled: true); break;
                case "rmsprop centered": RmsProp(gradient, 0.01, 0.99, 0, 0); break;
                case "rmsprop centered momentum weight decay": RmsProp(gradient, 0.01, 0.9, 0.5, 0.1); break;
                case "nadam": NAdam(gradient, 0.1, 0.999, 0, 0.004, decoupled: false); break;
                case "nadam defaults": NAdam(gradient, 0.002, 0.999, 0, 0.004, decoupled: false); break;
                case "nadam weight decay": NAdam(gradient, 0.1, 0.99, 0.1, 0.01, decoupled: false); break;
                case "nadam decoupled": NAdam(gradient, 0.1, 0.999, 0.1, 0.004, decoupled: true); break;
                case "radam": RAdam(gradient, 0.1, 0.999, 0, decoupled: false); break;
                case "radam defaults": RAdam(gradient, 0.001, 0.999, 0, decoupled: false); break;
                case "radam weight decay": RAdam(gradient, 0.1, 0.99, 0.1, decoupled: false); break;
                case "radam decoupled": RAdam(gradient, 0.1, 0.999, 0.1, decoupled: true); break;
                default: throw new ArgumentException(name);
            }
        }

        // torch.optim.Adam / AdamW, amsgrad=True: the maximum of the raw second moments, bias-corrected in the denominator.
        private void Adam(double[] gradient, double lr, double beta1, double beta2, double lambda, bool decoupled)
        {
            for (int i = 0; i < p.Length; i++)
            {
                double g = gradient[i];
                if (decoupled)
                {
                    p[i] *= 1 - (lr * lambda);
                }
                else
                {
                    g += lambda * p[i];
                }

                m[i] = (beta1 * m[i]) + ((1 - beta1) * g);
                v[i] = (beta2 * v[i]) + ((1 - beta2) * g * g);
                maxV[i] = Math.Max(maxV[i], v[i]);
                double mHat = m[i] / (1 - Math.Pow(beta1, t));
                double vHatMax = maxV[i] / (1 - Math.Pow(beta2, t));
                p[i] -= lr * mHat / (Math.Sqrt(vHatMax) + 1e-8);
            }
        }

        // torch.optim.RMSprop, centered=True: ṽ = v − g_avg², p ← p − η·g/(√ṽ + ε), or through the momentum buffer.
        private void RmsProp(double[] gradient, double lr, double alpha, double mu, double lambda)
        {
            for (int i = 0; i < p.Length; i++)
            {
                double g = gradient[i] + (lambda * p[i]);
                v[i] = (alpha * v[i]) + ((1 - alpha) * g * g);
                gAvg[i] = (alpha * gAvg[i]) + ((1 - alpha) * g);
                double scaled = g / (Math.Sqrt(v[i] - (gAvg[i] * gAvg[i])) + 1e-8);
                if (mu > 0)
                {
                    b[i] = (mu * b[i]) + scaled;
                    scaled = b[i];
                }

                p[i] -= lr * scaled;
            }
        }

        // torch.optim.NAdam: μₜ = β₁(1 − ½·0.96^(tψ)), p ← p − γ(1 − μₜ)g/(1 − Πμ)/(√v̂ + ε) − γμₜ₊₁m/(1 − Πμ·μₜ₊₁)/(√v̂ + ε).
        private void NAdam(double[] gradient, double lr, double beta2, double lambda, double psi, bool decoupled)
        {
            const double beta1 = 0.9;
            double mu = beta1 * (1 - (0.5 * Math.Pow(0.96, t * psi)));
            double muNext = beta1 * (1 - (0.5 * Math.Pow(0.96, (t + 1) * psi)));
            muProduct *= mu;
            for (int i = 0; i < p.Length; i++)
            {
                double g = gradient[i];
                if (decoupled)
                {
                    p[i] *= 1 - (lr * lambda);
                }
                else
                {
                    g += lambda * p[i];
                }

                m[i] = (beta1 * m[i]) + ((1 - beta1) * g);
                v[i] = (beta2 * v[i]) + ((1 - beta2) * g * g);
                double vHat = v[i] / (1 - Math.Pow(beta2, t));
                double denominator = Math.Sqrt(vHat) + 1e-8;
                p[i] -= lr * (1 - mu) / (1 - muProduct) * g / denominator;
                p[i] -= lr * muNext / (1 - (muProduct * muNext)) * m[i] / denominator;
            }
        }

        // torch.optim.RAdam: the rectified adaptive step when ρₜ > 5, plain bias-corrected momentum before.
        private void RAdam(double[] gradient, double lr, double beta2, double lambda, bool decoupled)
        {
            const double beta1 = 0.9;
            double rhoInfinity = (2 / (1 - beta2)) - 1;
            double rho = rhoInfinity - (2 * t * Math.Pow(beta2, t) / (1 - Math.Pow(beta2, t)));
            for (int i = 0; i < p.Length; i++)
            {
                double g = gradient[i];
                if (decoupled)
                {
                    p[i] *= 1 - (lr * lambda);
                }
                else
                {
                    g += lambda * p[i];
                }

                m[i] = (beta1 * m[i]) + ((1 - beta1) * g);
                v[i] = (beta2 * v[i]) + ((1 - beta2) * g * g);
                double mHat = m[i] / (1 - Math.Pow(beta1, t));
                if (rho > 5)
                {
                    double l = Math.Sqrt(1 - Math.Pow(beta2, t)) / (Math.Sqrt(v[i]) + 1e-8);
                    double r = Math.Sqrt((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho));
                    p[i] -= lr * mHat * l * r;
                }
                else
                {
                    p[i] -= lr * mHat;
                }
            }
        }
    }
}
