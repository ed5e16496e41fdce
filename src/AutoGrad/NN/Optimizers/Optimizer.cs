using AutoGrad.Differentiation;
using AutoGrad.NN.Schedules;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Optimizers;

/// <summary>
/// Updates parameters from their gradients, in place and without recording (under <see cref="Autodiff.NoGrad"/>).
/// Use it Keras-style through <c>Model.Compile</c> or PyTorch-style:
/// <c>optimizer.ZeroGrad(); loss.Backward(); optimizer.Step();</c>.
/// </summary>
/// <remarks>
/// <para>A step is ops: gradient clipping (when <see cref="ClipNorm"/> is set) is tensor ops, and each parameter is
/// updated by one fused update op (<c>sgd_update</c>, <c>adam_update</c>, …) that writes the parameter, its state slots
/// and its step count in place. A traced training step records the same ops, so eager and compiled training share one
/// implementation of every optimizer. The learning rate is a float64 scalar the update ops read, so
/// <see cref="LearningRate"/> and <see cref="Schedule"/> change a value, never a compiled graph.</para>
/// <para>Per-parameter state (moments, accumulators, step counts) is created on a parameter's first update and is saved
/// with the model by <see cref="Layer.Save"/>. Parameters without a gradient are skipped. Given a model instead of a
/// parameter list, the optimizer asks the model for its parameters at every step, so lazily built layers are
/// picked up once they exist.</para>
/// </remarks>
public abstract class Optimizer
{
    private readonly IReadOnlyList<Tensor>? parameters;
    private readonly Layer? model;
    private readonly Dictionary<Tensor, ParameterState> states = new(ReferenceEqualityComparer.Instance);
    private readonly Tensor learningRate;
    private Op? updateOp;
    private double? clipNorm;

    /// <summary>Optimizes a fixed list of parameters.</summary>
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
        this.learningRate = CreateLearningRate(Hyperparameters.NonNegative(GetType().Name, nameof(learningRate), learningRate));
    }

    /// <summary>Optimizes every parameter of a model, as it is at each step.</summary>
    protected Optimizer(Layer model, double learningRate)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        this.learningRate = CreateLearningRate(Hyperparameters.NonNegative(GetType().Name, nameof(learningRate), learningRate));
    }

    /// <summary>
    /// The learning rate of the next step (overwritten before each step when <see cref="Schedule"/> is set). The
    /// constructors require a finite rate ≥ 0; a schedule or callback may later set any finite rate (a negative one
    /// ascends the gradient).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or infinite.</exception>
    public double LearningRate
    {
        get => learningRate.AsSpan<double>()[0];
        set
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(nameof(LearningRate), value, $"{GetType().Name}: learningRate must be a finite number; got {value}.");
            }

            learningRate.AsSpan<double>()[0] = value;
            learningRate.MarkModified();
        }
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

    /// <summary>
    /// The parameters optimized: the list given, or the model's <see cref="Layer.Parameters"/> — a cached list, so reading
    /// it every step costs a structure check and no discovery, yet follows the model when its structure changes.
    /// </summary>
    public IReadOnlyList<Tensor> Parameters => parameters ?? model!.Parameters();

    /// <summary>The names of the per-parameter state tensors, in order (e.g. <c>m</c>, <c>v</c> for Adam).</summary>
    public abstract IReadOnlyList<string> SlotNames { get; }

    /// <summary>Changes whenever the state tensors themselves (not their values) are created or replaced, so a compiled
    /// training step that captured them knows to trace again.</summary>
    internal int StateVersion { get; private set; }

    /// <summary>The learning-rate scalar the update ops read.</summary>
    internal Tensor LearningRateTensor => learningRate;

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
        BeginStep();
        var list = Parameters;
        using (Autodiff.NoGrad())
        {
            Apply(list, [.. list.Select(p => p.Grad)]);
        }

        EndStep();
    }

    /// <summary>
    /// The op that updates one parameter, with this optimizer's hyperparameters as attributes. It receives
    /// <c>(parameter, gradient, slot₀ … slotₖ₋₁, step, learningRate)</c> — the slots named by <see cref="SlotNames"/>,
    /// then this parameter's update count and the learning rate as float64 scalars — and must write the parameter, the
    /// slots and the step count (incremented by one) in place, declaring them as its written inputs.
    /// </summary>
    protected abstract Op CreateUpdateOp();

    /// <summary>The initial value of a state slot: zeros like the parameter.</summary>
    protected virtual Tensor CreateSlot(Tensor parameter) => parameter.ZerosLike();

    /// <summary>Before a step: the schedule sets the learning rate.</summary>
    internal void BeginStep()
    {
        if (Schedule is not null)
        {
            LearningRate = Schedule.At(StepCount);
        }
    }

    /// <summary>After a step.</summary>
    internal void EndStep() => StepCount++;

    /// <summary>
    /// The whole update as ops: clipping, then one update op per parameter that has a gradient. Eager <see cref="Step"/>
    /// runs it on <c>.Grad</c>; a traced training step runs it on the traced gradients, which records the same ops.
    /// </summary>
    internal void Apply(IReadOnlyList<Tensor> parameterList, IReadOnlyList<Tensor?> gradients)
    {
        for (int i = 0; i < parameterList.Count; i++)
        {
            if (gradients[i] is { } g && g.Type != parameterList[i].Type)
            {
                Tensor p = parameterList[i];
                throw new InvalidOperationException($"{Name}: the gradient of '{p.Name ?? "unnamed"}' is {g.Type} but the parameter is {p.Type}.");
            }
        }

        IReadOnlyList<Tensor?> clipped = ClipNorm is { } maxNorm ? GradientClipping.Clip(gradients, maxNorm) : gradients;
        Op update = updateOp ??= CreateUpdateOp();
        for (int i = 0; i < parameterList.Count; i++)
        {
            if (clipped[i] is not { } g)
            {
                continue;
            }

            Tensor p = parameterList[i];
            ParameterState state = StateFor(p);
            var arguments = new Tensor[state.Slots.Length + 4];
            arguments[0] = p;
            arguments[1] = g;
            state.Slots.CopyTo(arguments, 2);
            arguments[^2] = state.Step;
            arguments[^1] = learningRate;
            update.Apply(arguments);
        }
    }

    /// <summary>Creates the state of every parameter that has none yet (before tracing a training step).</summary>
    internal void CreateMissingState(IEnumerable<Tensor> parameterList)
    {
        foreach (Tensor p in parameterList)
        {
            StateFor(p);
        }
    }

    /// <summary>The state of every parameter updated so far, keyed by the parameter object.</summary>
    internal IReadOnlyDictionary<Tensor, ParameterState> States => states;

    /// <summary>
    /// Sets a parameter's state (checkpoint loading, after validation). Existing state tensors of the same types are
    /// overwritten in place, so a compiled training step that captured them keeps working.
    /// </summary>
    internal void SetState(Tensor parameter, Tensor[] slots, long steps)
    {
        if (states.TryGetValue(parameter, out var existing) && existing.Slots.Length == slots.Length
            && existing.Slots.Zip(slots).All(pair => pair.First.Type == pair.Second.Type))
        {
            using (Autodiff.NoGrad())
            {
                for (int i = 0; i < slots.Length; i++)
                {
                    existing.Slots[i].Assign(slots[i]);
                }
            }

            existing.Steps = steps;
            return;
        }

        var state = new ParameterState([.. slots.Select(s => s.Clone())], StepTensor(parameter));
        foreach (Tensor slot in state.Slots)
        {
            slot.isState = true;
        }

        state.Steps = steps;
        states[parameter] = state;
        StateVersion++;
    }

    /// <summary>Forgets every parameter's state (checkpoint loading of a file saved before the first step).</summary>
    internal void ClearState()
    {
        if (states.Count > 0)
        {
            states.Clear();
            StateVersion++;
        }
    }

    /// <summary>Forgets the state of every parameter not in <paramref name="keep"/> (checkpoint loading: the file describes the whole state).</summary>
    internal void ClearStateExcept(IEnumerable<Tensor> keep)
    {
        var kept = new HashSet<Tensor>(keep, ReferenceEqualityComparer.Instance);
        foreach (Tensor parameter in states.Keys.Where(p => !kept.Contains(p)).ToList())
        {
            states.Remove(parameter);
            StateVersion++;
        }
    }

    /// <summary>Sets the step counter (checkpoint loading).</summary>
    internal void SetStepCount(long steps) => StepCount = steps;

    private ParameterState StateFor(Tensor p)
    {
        if (!states.TryGetValue(p, out var state))
        {
            var slots = new Tensor[SlotNames.Count];
            for (int i = 0; i < slots.Length; i++)
            {
                slots[i] = CreateSlot(p);
                slots[i].isState = true;
                slots[i].Name = p.Name is null ? null : $"{p.Name}.{SlotNames[i]}";
            }

            state = new ParameterState(slots, StepTensor(p));
            states[p] = state;
            StateVersion++;
        }

        return state;
    }

    private static Tensor StepTensor(Tensor parameter)
    {
        Tensor step = Tensor.Scalar(0, DType.Float64);
        step.isState = true;
        step.Name = parameter.Name is null ? null : parameter.Name + ".step";
        return step;
    }

    private static Tensor CreateLearningRate(double value)
    {
        Tensor rate = Tensor.Scalar(value, DType.Float64);
        rate.isState = true;
        rate.Name = "optimizer.learning_rate";
        return rate;
    }

    /// <summary>One parameter's state: its slots and its update count (a float64 scalar the update op increments).</summary>
    internal sealed class ParameterState(Tensor[] slots, Tensor step)
    {
        public Tensor[] Slots { get; } = slots;

        public Tensor Step { get; } = step;

        public long Steps
        {
            get => (long)Step.AsSpan<double>()[0];
            set
            {
                Step.AsSpan<double>()[0] = value;
                Step.MarkModified();
            }
        }
    }
}
