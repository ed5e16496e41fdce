using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// The pieces <see cref="SimpleRnn"/>, <see cref="Lstm"/> and <see cref="Gru"/> share: input and state checks, PyTorch's
/// parameter shapes and initialization, the input projection of all time steps at once, per-step slicing and the
/// output. Everything is tensor ops, so the layers need no derivative of their own and trace abstractly.
/// </summary>
internal static class Recurrence
{
    /// <summary>PyTorch's default for every recurrent parameter: U(−1/√H, 1/√H).</summary>
    public static Initializer DefaultInitializer(int hiddenSize)
    {
        double bound = 1.0 / Math.Sqrt(hiddenSize);
        return new RandomUniform(-bound, bound);
    }

    /// <summary>Checks a batch-first <c>[B, T, F]</c> input against the layer's input size (when built) and dtype.</summary>
    /// <exception cref="ArgumentException">The rank, the sequence length, the feature count or the dtype is wrong.</exception>
    public static void CheckInput(string layer, Tensor input, Tensor? weightIh)
    {
        if (input.Rank != 3)
        {
            throw new ArgumentException($"{layer}: the input must be batch-first [batch, time, features] (rank 3), got shape {input.Shape}.", nameof(input));
        }

        if (input.Shape[1] == 0)
        {
            throw new ArgumentException($"{layer}: the input has no time steps (shape {input.Shape}); a recurrence needs at least one.", nameof(input));
        }

        if (weightIh is null)
        {
            return;
        }

        if (weightIh.Shape[1] != input.Shape[2])
        {
            throw new ArgumentException(
                $"{layer}: the input has {input.Shape[2]} features (shape {input.Shape}) but the layer was built for {weightIh.Shape[1]} (weight_ih {weightIh.Type}).", nameof(input));
        }

        if (weightIh.DType != input.DType)
        {
            throw new ArgumentException(
                $"{layer}: the input is {input.Type} but the parameters are {weightIh.DType.ShortName()}; convert one (input.To(DType.{weightIh.DType}) or model.To(DType.{input.DType})).", nameof(input));
        }
    }

    /// <summary>Checks an initial state against the input: shape <c>[B, H]</c> and the input's dtype.</summary>
    /// <exception cref="ArgumentException">The shape or dtype differs; the message names the state.</exception>
    public static void CheckState(string layer, string state, Tensor? value, Tensor input, int hiddenSize)
    {
        if (value is null)
        {
            return;
        }

        if (value.Rank != 2 || value.Shape[0] != input.Shape[0] || value.Shape[1] != hiddenSize)
        {
            throw new ArgumentException(
                $"{layer}: the initial state {state} must have shape [{input.Shape[0]}, {hiddenSize}] (batch of the input {input.Shape}, hidden size), got {value.Shape}.", state);
        }

        if (value.DType != input.DType)
        {
            throw new ArgumentException($"{layer}: the initial state {state} is {value.Type} but the input is {input.Type}.", state);
        }
    }

    /// <summary>
    /// x_t·W_ihᵀ (+ bias) for step <paramref name="t"/> of a <c>[B, T, F]</c> input, as <c>[B, G·H]</c>. One product per
    /// step rather than one for all steps sliced afterwards: the gradient of a step's slice has the size of the input
    /// (and none is needed when the input is data), where the slices of a <c>[B, T, G·H]</c> projection each had a
    /// gradient of that whole size, summed over T — quadratic traffic in the sequence length.
    /// </summary>
    public static Tensor ProjectStep(Tensor input, int t, Tensor weightIh, Tensor? bias) =>
        Plus(Step(input, t).MatMul(weightIh, false, true), bias);

    /// <summary>Time step <paramref name="t"/> of a <c>[B, T, N]</c> tensor as <c>[B, N]</c>.</summary>
    public static Tensor Step(Tensor sequence, int t) =>
        sequence.Slice(1, t, t + 1).Reshape(sequence.Shape[0], sequence.Shape[2]);

    /// <summary>Gate <paramref name="index"/> (of size <paramref name="hiddenSize"/>) along the last axis of <c>[…, G·H]</c>.</summary>
    public static Tensor Gate(Tensor stacked, int index, int hiddenSize) =>
        stacked.Slice(-1, index * hiddenSize, (index + 1) * hiddenSize);

    /// <summary><paramref name="a"/> + <paramref name="b"/>, or <paramref name="a"/> when <paramref name="b"/> is absent (a zero state or no bias).</summary>
    public static Tensor Plus(Tensor a, Tensor? b) => b is null ? a : a + b;

    /// <summary>All hidden states stacked to <c>[B, T, H]</c>, or the last one <c>[B, H]</c>.</summary>
    public static Tensor Output(List<Tensor> hiddenStates, bool returnSequences) =>
        returnSequences ? Tensor.Stack(hiddenStates, 1) : hiddenStates[^1];
}
