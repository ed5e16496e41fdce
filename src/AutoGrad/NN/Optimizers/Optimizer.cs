using AutoGrad.Differentiation;
using AutoGrad.NN.Schedules;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Optimizers;

/// <summary>
/// Updates parameters from their gradients, in place and without recording (under <see cref="Autodiff.NoGrad"/>).
/// Use it Keras-style through <c>Model.Compile</c> or PyTorch-style:
/// <c>optimizer.ZeroGrad(); loss.Backward(); optimizer.Step();</c>.
/// </summary>
/// <remarks>
/// Per-parameter state (moments, accumulators, step counts) is created on a parameter's first update and is saved
/// with the model by <see cref="Layer.Save"/>. Parameters without a gradient are skipped. Given a model instead of a
/// parameter list, the optimizer asks the model for its parameters at every step, so lazily built layers are
/// picked up once they exist.
/// </remarks>
public abstract class Optimizer
{
    private readonly IReadOnlyList<Tensor>? parameters;
    private readonly Layer? model;
    private readonly Dictionary<Tensor, ParameterState> states = new(ReferenceEqualityComparer.Instance);
    private double learningRate;
    private double? clipNorm;

    /// <summary>Optimizes a fixed list of parameters.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is not a finite number ≥ 0.</exception>
    /// <exception cref="ArgumentException">The list is empty (an unbuilt lazy model has no parameters yet; pass the model itself) or holds a tensor that is not a leaf requiring grad.</exception>
    protected Optimizer(IEnumerable<Tensor> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException(
                $"{GetType().Name}: the parameter list is empty. A model whose layers infer their input size has no parameters until its first call: " +
                "pass the model itself (new Adam(model)), or call the model once before collecting Parameters().", nameof(parameters));
        }

        foreach (var p in list)
        {
            if (!p.RequiresGrad || !p.IsLeaf)
            {
                throw new ArgumentException($"{GetType().Name}: '{p.Name ?? "unnamed"}' {p.Type} is not a leaf tensor that requires grad, so it cannot be optimized.", nameof(parameters));
            }
        }

        this.parameters = list;
        LearningRate = Hyperparameters.NonNegative(GetType().Name, nameof(learningRate), learningRate);
    }

    /// <summary>Optimizes every parameter of a model, as it is at each step.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is not a finite number ≥ 0.</exception>
    protected Optimizer(Layer model, double learningRate)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        LearningRate = Hyperparameters.NonNegative(GetType().Name, nameof(learningRate), learningRate);
    }

    /// <summary>
    /// The learning rate of the next step (overwritten before each step when <see cref="Schedule"/> is set). The
    /// constructors require a finite rate ≥ 0; a schedule or callback may later set any finite rate (a negative one
    /// ascends the gradient).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or infinite.</exception>
    public double LearningRate
    {
        get => learningRate;
        set => learningRate = double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException("learningRate", value, $"{GetType().Name}: learningRate must be a finite number; got {value}.");
    }

    /// <summary>A per-step schedule: before step k (counting from 0) the learning rate becomes <c>Schedule.At(k)</c>.</summary>
    public LearningRateSchedule? Schedule { get; set; }

    /// <summary>When set, gradients are scaled so their global L2 norm is at most this before each update.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a finite number &gt; 0.</exception>
    public double? ClipNorm
    {
        get => clipNorm;
        set => clipNorm = value is { } v ? Hyperparameters.Positive(GetType().Name, "clipNorm", v) : null;
    }

    /// <summary>The number of completed <see cref="Step"/> calls.</summary>
    public long StepCount { get; private set; }

    /// <summary>The printed name (<c>sgd</c>, <c>adam</c>, …).</summary>
    public abstract string Name { get; }

    /// <summary>The parameters optimized.</summary>
    public IReadOnlyList<Tensor> Parameters => parameters ?? model!.Parameters();

    /// <summary>The names of the per-parameter state tensors, in order (e.g. <c>m</c>, <c>v</c> for Adam).</summary>
    public abstract IReadOnlyList<string> SlotNames { get; }

    /// <summary>Clears the gradients of the parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    /// <exception cref="InvalidOperationException">A gradient's type differs from its parameter's.</exception>
    public void Step()
    {
        if (Schedule is not null)
        {
            LearningRate = Schedule.At(StepCount);
        }

        var list = Parameters;
        using (Autodiff.NoGrad())
        {
            if (ClipNorm is { } maxNorm)
            {
                GradientClipping.ClipGradNorm(list, maxNorm);
            }

            foreach (var p in list)
            {
                if (p.Grad is not { } g)
                {
                    continue;
                }

                if (g.Type != p.Type)
                {
                    throw new InvalidOperationException($"{Name}: the gradient of '{p.Name ?? "unnamed"}' is {g.Type} but the parameter is {p.Type}.");
                }

                if (!states.TryGetValue(p, out var state))
                {
                    state = new ParameterState(SlotNames.Select(_ => CreateSlot(p)).ToArray());
                    states[p] = state;
                }

                state.Steps++;
                Update(p, g, state.Slots, state.Steps);
                p.MarkModified();
            }
        }

        StepCount++;
    }

    /// <summary>
    /// Updates one parameter in place. <paramref name="slots"/> are this parameter's state tensors (see
    /// <see cref="SlotNames"/>); <paramref name="step"/> counts this parameter's updates from 1.
    /// </summary>
    protected abstract void Update(Tensor parameter, Tensor gradient, Tensor[] slots, long step);

    /// <summary>The initial value of a state slot: zeros like the parameter.</summary>
    protected virtual Tensor CreateSlot(Tensor parameter) => parameter.ZerosLike();

    /// <summary>The state of every parameter updated so far, keyed by the parameter object.</summary>
    internal IReadOnlyDictionary<Tensor, ParameterState> States => states;

    /// <summary>Replaces the state (used by checkpoint loading after validation).</summary>
    internal void SetState(Tensor parameter, Tensor[] slots, long steps) => states[parameter] = new ParameterState(slots) { Steps = steps };

    /// <summary>Forgets the state of every parameter (checkpoint loading: the file describes the whole state).</summary>
    internal void ClearState() => states.Clear();

    /// <summary>Sets the step counter (checkpoint loading).</summary>
    internal void SetStepCount(long steps) => StepCount = steps;

    /// <summary>One parameter's state.</summary>
    internal sealed class ParameterState(Tensor[] slots)
    {
        public Tensor[] Slots { get; } = slots;

        public long Steps { get; set; }
    }
}
