using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// A gated recurrent unit layer over batch-first input <c>[B, T, F]</c>, with PyTorch's equations, gate order (reset r,
/// update z, new n) and parameters, so weights exchange with <c>torch.nn.GRU</c> (one layer, <c>batch_first=True</c>;
/// PyTorch names them <c>weight_ih_l0</c>…) or <c>torch.nn.GRUCell</c>:
/// <code>
/// r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
/// h' = (1 − z) ⊙ n + z ⊙ h
/// </code>
/// Note that the reset gate multiplies W_hn h + b_hn (PyTorch and cuDNN; Keras' <c>reset_after=True</c>).
/// <c>weight_ih</c> is <c>[3H, F]</c> (rows r, z, n), <c>weight_hh</c> <c>[3H, H]</c>, <c>bias_ih</c> and
/// <c>bias_hh</c> <c>[3H]</c>, all initialized U(−1/√H, 1/√H) as in PyTorch. The input size is inferred on the first
/// call (parameters then take the input's dtype) unless given. The state starts at zero unless given to
/// <see cref="CallWithState"/>.
/// </summary>
/// <remarks>
/// A composition of tensor ops (per step the input's and the state's matrix products, slices, sigmoid and tanh): its gradients of any order come from those ops' rules.
/// </remarks>
public sealed class Gru : RecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="units">Hidden size H (the output features).</param>
    /// <param name="returnSequences">Return the hidden state of every step <c>[B, T, H]</c> (true) or of the last one <c>[B, H]</c> (false, the default, as in Keras).</param>
    /// <param name="useBias">Whether to add the two biases (PyTorch's <c>bias</c>).</param>
    /// <param name="initializer">For all four parameters; PyTorch's U(−1/√H, 1/√H) when null.</param>
    /// <param name="inputSize">Input features F; when given, parameters are created now in float32.</param>
    /// <param name="name">The layer name; <c>gru</c> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">units or inputSize is not positive.</exception>
    public Gru(int units, bool returnSequences = false, bool useBias = true, Initializer? initializer = null, int? inputSize = null, string? name = null)
        : base(units, 3, returnSequences, useBias, initializer, inputSize, name)
    {
    }

    /// <summary>Runs the layer from a zero state; the output is <c>[B, T, H]</c> or <c>[B, H]</c> (see <see cref="RecurrentLayer.ReturnSequences"/>).</summary>
    /// <exception cref="ArgumentException">The input is not <c>[B, T, F]</c> with T ≥ 1, or its features or dtype differ from the built layer's.</exception>
    public override Tensor Forward(Tensor input)
    {
        CheckInput(input);
        Tensor? h = InitialState(0);
        Recurrence.CheckState(Describe(), "h0", h, input, Units);
        BuildFor(input);

        // Each step's input projection takes BiasIh; BiasHh stays out of it: its n part is multiplied by r. A zero
        // initial state makes the hidden projection just BiasHh (and h' = (1 − z) ⊙ n), so no batch-sized zero
        // constant is built.
        var outputs = new List<Tensor>(input.Shape[1]);
        for (int t = 0; t < input.Shape[1]; t++)
        {
            Tensor x = Recurrence.ProjectStep(input, t, WeightIh!, BiasIh);
            Tensor? hidden = h is null ? BiasHh : Recurrence.Plus(h.MatMul(WeightHh!, false, true), BiasHh);
            Tensor r = Recurrence.Plus(Recurrence.Gate(x, 0, Units), hidden is null ? null : Recurrence.Gate(hidden, 0, Units)).Sigmoid();
            Tensor z = Recurrence.Plus(Recurrence.Gate(x, 1, Units), hidden is null ? null : Recurrence.Gate(hidden, 1, Units)).Sigmoid();
            Tensor n = Recurrence.Plus(Recurrence.Gate(x, 2, Units), hidden is null ? null : r * Recurrence.Gate(hidden, 2, Units)).Tanh();
            h = h is null ? (1 - z) * n : ((1 - z) * n) + (z * h);
            outputs.Add(h);
        }

        KeepFinalStates(h!);

        return Recurrence.Output(outputs, ReturnSequences);
    }

    /// <summary>
    /// Runs the layer (through <see cref="Layer.Call"/>) from the given initial state and also returns the final one,
    /// like PyTorch's <c>output, h_n = gru(x, h0)</c>.
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
