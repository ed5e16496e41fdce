using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// A long short-term memory layer over batch-first input <c>[B, T, F]</c>, with PyTorch's equations, gate order
/// (input i, forget f, cell g, output o) and parameters, so weights exchange with <c>torch.nn.LSTM</c> (one layer,
/// <c>batch_first=True</c>; PyTorch names them <c>weight_ih_l0</c>…) or <c>torch.nn.LSTMCell</c>:
/// <code>
/// i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
/// g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
/// c' = f ⊙ c + i ⊙ g                        h' = o ⊙ tanh(c')
/// </code>
/// <c>weight_ih</c> is <c>[4H, F]</c> (rows i, f, g, o), <c>weight_hh</c> <c>[4H, H]</c>, <c>bias_ih</c> and
/// <c>bias_hh</c> <c>[4H]</c>, all initialized U(−1/√H, 1/√H) as in PyTorch. The input size is inferred on the first
/// call (parameters then take the input's dtype) unless given. The states start at zero unless given to
/// <see cref="CallWithState"/>.
/// </summary>
/// <remarks>
/// The layer is a composition of tensor ops (per step the input's and the state's matrix products, slices, sigmoid
/// and tanh), so its gradient — of any order — comes from those ops' rules, and it traces
/// into a graph unrolled over the time steps of the traced input.
/// </remarks>
public sealed class Lstm : RecurrentLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="units">Hidden size H (the output features).</param>
    /// <param name="returnSequences">Return the hidden state of every step <c>[B, T, H]</c> (true) or of the last one <c>[B, H]</c> (false, the default, as in Keras).</param>
    /// <param name="useBias">Whether to add the two biases (PyTorch's <c>bias</c>).</param>
    /// <param name="initializer">For all four parameters; PyTorch's U(−1/√H, 1/√H) when null.</param>
    /// <param name="inputSize">Input features F; when given, parameters are created now in float32.</param>
    /// <param name="name">The layer name; <c>lstm</c> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">units or inputSize is not positive.</exception>
    public Lstm(int units, bool returnSequences = false, bool useBias = true, Initializer? initializer = null, int? inputSize = null, string? name = null)
        : base(units, 4, returnSequences, useBias, initializer, inputSize, name)
    {
    }

    /// <summary>Runs the layer from zero states; the output is <c>[B, T, H]</c> or <c>[B, H]</c> (see <see cref="RecurrentLayer.ReturnSequences"/>).</summary>
    /// <exception cref="ArgumentException">The input is not <c>[B, T, F]</c> with T ≥ 1, or its features or dtype differ from the built layer's.</exception>
    public override Tensor Forward(Tensor input)
    {
        CheckInput(input);
        Tensor? h = InitialState(0), c = InitialState(1);
        Recurrence.CheckState(Describe(), "h0", h, input, Units);
        Recurrence.CheckState(Describe(), "c0", c, input, Units);
        BuildFor(input);

        // Both biases are summed once and added to each step's input projection. A zero initial state contributes
        // nothing, so it is skipped rather than built as a batch-sized constant.
        Tensor? bias = UseBias ? BiasIh! + BiasHh! : null;
        var outputs = new List<Tensor>(input.Shape[1]);
        for (int t = 0; t < input.Shape[1]; t++)
        {
            Tensor gates = Recurrence.Plus(Recurrence.ProjectStep(input, t, WeightIh!, bias), h?.MatMul(WeightHh!, false, true));
            Tensor i = Recurrence.Gate(gates, 0, Units).Sigmoid();
            Tensor f = Recurrence.Gate(gates, 1, Units).Sigmoid();
            Tensor g = Recurrence.Gate(gates, 2, Units).Tanh();
            Tensor o = Recurrence.Gate(gates, 3, Units).Sigmoid();
            c = c is null ? i * g : (f * c) + (i * g);
            h = o * c.Tanh();
            outputs.Add(h);
        }

        KeepFinalStates(h!, c);

        return Recurrence.Output(outputs, ReturnSequences);
    }

    /// <summary>
    /// Runs the layer (through <see cref="Layer.Call"/>) from the given initial states and also returns the final
    /// ones, like PyTorch's <c>output, (h_n, c_n) = lstm(x, (h0, c0))</c>.
    /// </summary>
    /// <param name="input">Batch-first input <c>[B, T, F]</c>.</param>
    /// <param name="h0">Initial hidden state <c>[B, H]</c>; zeros when null.</param>
    /// <param name="c0">Initial cell state <c>[B, H]</c>; zeros when null.</param>
    /// <returns>The output (as <see cref="Forward"/>), the last hidden state <c>[B, H]</c> and the last cell state <c>[B, H]</c>.</returns>
    /// <exception cref="ArgumentException">The input is wrong (see <see cref="Forward"/>) or a state is not <c>[B, H]</c> in the input's dtype.</exception>
    public (Tensor Output, Tensor H, Tensor C) CallWithState(Tensor input, Tensor? h0 = null, Tensor? c0 = null)
    {
        var (output, h, c) = CallCapturingState(input, h0, c0);
        return (output, h, c!);
    }
}
