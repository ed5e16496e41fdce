using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// What <see cref="SimpleRnn"/>, <see cref="Lstm"/> and <see cref="Gru"/> share: PyTorch's four parameters
/// (<c>weight_ih</c> <c>[G·H, F]</c>, <c>weight_hh</c> <c>[G·H, H]</c>, <c>bias_ih</c> and <c>bias_hh</c> <c>[G·H]</c>
/// for G gates, rows in the layer's gate order), their PyTorch initialization, the input size inferred on the first
/// call, and the batch-first input check. Each layer adds only its step equations.
/// </summary>
public abstract class RecurrentLayer : Layer, ILazilyBuilt
{
    private readonly Initializer initializer;
    private readonly int gates;

    // Named like PyTorch's parameters (discovery names a parameter after its field and walks base classes), so state
    // dicts exchange as they are.
    private Tensor? weight_ih;
    private Tensor? weight_hh;
    private Tensor? bias_ih;
    private Tensor? bias_hh;

    // The states CallWithState passes through Call to Forward and back; never parameters. The final states are kept
    // only while CallWithState runs, so a plain call does not hold the last step's graph alive.
    [NotTracked]
    private Tensor?[] initialStates = [];
    [NotTracked]
    private Tensor?[]? finalStates;

    /// <summary>Validates the settings and, when the input size is given, creates the parameters in float32 now.</summary>
    /// <exception cref="ArgumentOutOfRangeException">units or inputSize is not positive.</exception>
    private protected RecurrentLayer(int units, int gates, bool returnSequences, bool useBias, Initializer? initializer, int? inputSize, string? name)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        Units = units;
        this.gates = gates;
        ReturnSequences = returnSequences;
        UseBias = useBias;
        this.initializer = initializer ?? Recurrence.DefaultInitializer(units);
        if (inputSize is { } size)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
            Build(size, DType.Float32);
        }
    }

    /// <summary>Hidden size H.</summary>
    public int Units { get; }

    /// <summary>Whether the output holds every step (<c>[B, T, H]</c>) or the last (<c>[B, H]</c>).</summary>
    public bool ReturnSequences { get; }

    /// <summary>Whether the biases are used.</summary>
    public bool UseBias { get; }

    /// <inheritdoc/>
    bool ILazilyBuilt.IsBuilt => weight_ih is not null;

    /// <summary>Input-to-hidden weights <c>[G·H, F]</c>, rows in the layer's gate order (<c>weight_ih</c>); null until built.</summary>
    public Tensor? WeightIh => weight_ih;

    /// <summary>Hidden-to-hidden weights <c>[G·H, H]</c> (<c>weight_hh</c>); null until built.</summary>
    public Tensor? WeightHh => weight_hh;

    /// <summary>Input-to-hidden bias <c>[G·H]</c> (<c>bias_ih</c>); null until built or without bias.</summary>
    public Tensor? BiasIh => bias_ih;

    /// <summary>Hidden-to-hidden bias <c>[G·H]</c> (<c>bias_hh</c>); null until built or without bias.</summary>
    public Tensor? BiasHh => bias_hh;

    /// <summary>The layer's name for messages, e.g. <c>Lstm 'lstm'</c>.</summary>
    private protected string Describe() => $"{GetType().Name} '{Name}'";

    /// <summary>Checks that <paramref name="input"/> is batch-first <c>[B, T, F]</c> and fits the built layer.</summary>
    private protected void CheckInput(Tensor input) => Recurrence.CheckInput(Describe(), input, weight_ih);

    /// <summary>Creates the parameters from the input's features and dtype on the first call (after the checks).</summary>
    /// <summary>The initial state at <paramref name="index"/> (h, then c) given to the running CallWithState, or null (zeros).</summary>
    private protected Tensor? InitialState(int index) => index < initialStates.Length ? initialStates[index] : null;

    /// <summary>Hands the final states (h, then c) to the running CallWithState; nothing is kept on a plain call.</summary>
    private protected void KeepFinalStates(Tensor h, Tensor? c = null)
    {
        if (finalStates is not null)
        {
            finalStates[0] = h;
            finalStates[1] = c;
        }
    }

    /// <summary>Runs <see cref="Layer.Call"/> with the given initial states and returns the output with the final states.</summary>
    private protected (Tensor Output, Tensor H, Tensor? C) CallCapturingState(Tensor input, Tensor? h0, Tensor? c0)
    {
        initialStates = [h0, c0];
        finalStates = new Tensor?[2];
        try
        {
            Tensor output = Call(input);
            return (output, finalStates[0]!, finalStates[1]);
        }
        finally
        {
            initialStates = [];
            finalStates = null;
        }
    }

    private protected void BuildFor(Tensor input)
    {
        if (weight_ih is null)
        {
            Build(input.Shape[2], input.DType);
            MarkBuilt();
        }
    }

    private void Build(int inputSize, DType dtype)
    {
        weight_ih = initializer.CreateParameter([gates * Units, inputSize], dtype).RequireGrad();
        weight_hh = initializer.CreateParameter([gates * Units, Units], dtype).RequireGrad();
        if (UseBias)
        {
            bias_ih = initializer.CreateParameter([gates * Units], dtype).RequireGrad();
            bias_hh = initializer.CreateParameter([gates * Units], dtype).RequireGrad();
        }
    }
}
