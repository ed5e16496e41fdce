using System.Numerics;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Optimizers;

/// <summary>
/// RMSprop (Hinton), as in PyTorch: g ← g + λ·p; v ← αv + (1 − α)g²; with momentum μ: b ← μb + g/(√v + ε),
/// p ← p − η·b; without: p ← p − η·g/(√v + ε).
/// </summary>
public sealed class RmsProp : Optimizer
{
    /// <summary>Optimizes a list of parameters.</summary>
    public RmsProp(IEnumerable<Tensor> parameters, double learningRate = 0.01, double alpha = 0.99, double epsilon = 1e-8, double momentum = 0, double weightDecay = 0)
        : base(parameters, learningRate) => (Alpha, Epsilon, Momentum, WeightDecay) = Validate(alpha, epsilon, momentum, weightDecay);

    /// <summary>Optimizes every parameter of a model.</summary>
    public RmsProp(Layer model, double learningRate = 0.01, double alpha = 0.99, double epsilon = 1e-8, double momentum = 0, double weightDecay = 0)
        : base(model, learningRate) => (Alpha, Epsilon, Momentum, WeightDecay) = Validate(alpha, epsilon, momentum, weightDecay);

    private static (double, double, double, double) Validate(double alpha, double epsilon, double momentum, double weightDecay) =>
        (Hyperparameters.UnitOpen(nameof(RmsProp), nameof(alpha), alpha), Hyperparameters.NonNegative(nameof(RmsProp), nameof(epsilon), epsilon),
         Hyperparameters.Unit(nameof(RmsProp), nameof(momentum), momentum), Hyperparameters.NonNegative(nameof(RmsProp), nameof(weightDecay), weightDecay));

    /// <summary>α, the decay of the squared-gradient average.</summary>
    public double Alpha { get; }

    /// <summary>ε, added to √v.</summary>
    public double Epsilon { get; }

    /// <summary>μ (0 for none).</summary>
    public double Momentum { get; }

    /// <summary>λ, the L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    public override string Name => "rmsprop";

    /// <inheritdoc/>
    public override IReadOnlyList<string> SlotNames => Momentum != 0 ? ["square_avg", "momentum"] : ["square_avg"];

    /// <inheritdoc/>
    protected override void Update(Tensor parameter, Tensor gradient, Tensor[] slots, long step)
    {
        if (parameter.DType == DType.Float32)
        {
            Run<float>(parameter, gradient, slots);
        }
        else
        {
            Run<double>(parameter, gradient, slots);
        }

        foreach (var slot in slots)
        {
            slot.MarkModified();
        }
    }

    private void Run<T>(Tensor parameter, Tensor gradient, Tensor[] slots)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Span<T> p = parameter.AsSpan<T>(), v = slots[0].AsSpan<T>();
        Span<T> b = slots.Length > 1 ? slots[1].AsSpan<T>() : default;
        ReadOnlySpan<T> g = gradient.AsSpan<T>();
        T alpha = T.CreateTruncating(Alpha), lr = T.CreateTruncating(LearningRate), eps = T.CreateTruncating(Epsilon);
        T wd = T.CreateTruncating(WeightDecay), mu = T.CreateTruncating(Momentum);
        for (int i = 0; i < p.Length; i++)
        {
            T d = g[i] + (wd * p[i]);
            v[i] = (alpha * v[i]) + ((T.One - alpha) * d * d);
            T scaled = d / (T.Sqrt(v[i]) + eps);
            if (slots.Length > 1)
            {
                b[i] = (mu * b[i]) + scaled;
                scaled = b[i];
            }

            p[i] -= lr * scaled;
        }
    }
}
