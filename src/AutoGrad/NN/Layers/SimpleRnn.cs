using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// An Elman recurrent layer over batch-first input <c>[B, T, F]</c>, with PyTorch's equation and parameters, so weights
/// exchange with <c>torch.nn.RNN</c> (one layer, <c>batch_first=True</c>; PyTorch names them <c>weight_ih_l0</c>…) or
/// <c>torch.nn.RNNCell</c>:
/// <code>
/// h' = act(W_ih x + b_ih + W_hh h + b_hh)
/// </code>
/// with act tanh by default (PyTorch's <c>nonlinearity</c>; <c>"relu"</c> or any <see cref="Activation"/> works).
/// <c>weight_ih</c> is <c>[H, F]</c>, <c>weight_hh</c> <c>[H, H]</c>, <c>bias_ih</c> and <c>bias_hh</c> <c>[H]</c>, all
/// initialized U(−1/√H, 1/√H) as in PyTorch. The input size is inferred on the first call (parameters then take the
/// input's dtype) unless given. The state starts at zero unless given to <see cref="CallWithState"/>.
/// </summary>
/// <remarks>A composition of tensor ops: its gradients of any order come from those ops' rules.</remarks>
public sealed class SimpleRnn : RecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="units">Hidden size H (the output features).</param>
    /// <param name="activation">The nonlinearity; tanh when null.</param>
    /// <param name="returnSequences">Return the hidden state of every step <c>[B, T, H]</c> (true) or of the last one <c>[B, H]</c> (false, the default, as in Keras).</param>
    /// <param name="useBias">Whether to add the two biases (PyTorch's <c>bias</c>).</param>
    /// <param name="initializer">For all four parameters; PyTorch's U(−1/√H, 1/√H) when null.</param>
    /// <param name="inputSize">Input features F; when given, parameters are created now in float32.</param>
    /// <param name="name">The layer name; <c>simple_rnn</c> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">units or inputSize is not positive.</exception>
    public SimpleRnn(int units, Activation? activation = null, bool returnSequences = false, bool useBias = true, Initializer? initializer = null,
        int? inputSize = null, string? name = null)
        : base(units, 1, returnSequences, useBias, initializer, inputSize, name)
    {
        ActivationFunction = activation ?? Activation.Tanh;
    }

    /// <summary>The nonlinearity (tanh unless given).</summary>
    public Activation ActivationFunction { get; }

    /// <summary>Runs the layer from a zero state; the output is <c>[B, T, H]</c> or <c>[B, H]</c> (see <see cref="RecurrentLayer.ReturnSequences"/>).</summary>
    /// <exception cref="ArgumentException">The input is not <c>[B, T, F]</c> with T ≥ 1, or its features or dtype differ from the built layer's.</exception>
    public override Tensor Forward(Tensor input)
    {
        CheckInput(input);
        Tensor? h = InitialState(0);
        Recurrence.CheckState(Describe(), "h0", h, input, Units);
        BuildFor(input);

        // Both biases are summed once and added to each step's input projection; a zero initial state contributes
        // nothing, so the first step skips h·W_hhᵀ rather than building a batch-sized zero constant.
        Tensor? bias = UseBias ? BiasIh! + BiasHh! : null;
        var outputs = new List<Tensor>(input.Shape[1]);
        for (int t = 0; t < input.Shape[1]; t++)
        {
            h = ActivationFunction.Apply(Recurrence.Plus(Recurrence.ProjectStep(input, t, WeightIh!, bias), h?.MatMul(WeightHh!, false, true)));
            outputs.Add(h);
        }

        KeepFinalStates(h!);

        return Recurrence.Output(outputs, ReturnSequences);
    }

    /// <summary>
    /// Runs the layer (through <see cref="Layer.Call"/>) from the given initial state and also returns the final one,
    /// like PyTorch's <c>output, h_n = rnn(x, h0)</c>.
    /// </summary>
    /// <param name="input">Batch-first input <c>[B, T, F]</c>.</param>
    /// <param name="h0">Initial hidden state <c>[B, H]</c>; zeros when null.</param>
    /// <returns>The output (as <see cref="Forward"/>) and the last hidden state <c>[B, H]</c>.</returns>
    /// <exception cref="ArgumentException">The input is wrong (see <see cref="Forward"/>) or the state is not <c>[B, H]</c> in the input's dtype.</exception>
    public (Tensor Output, Tensor H) CallWithState(Tensor input, Tensor? h0 = null)
    {
        var (output, h, _) = CallCapturingState(input, h0, null);
        return (output, h);
    }
}
