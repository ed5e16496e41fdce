using AutoGrad.NN;
using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.Examples.CustomLayer;

/// <summary>
/// A highway layer (Srivastava et al., 2015): a learned gate t decides, per feature, how much of a transformed
/// value h replaces the input x. Written as its forward pass only — AutoGrad derives every gradient.
/// </summary>
/// <remarks>y = t ⊙ h + (1 − t) ⊙ x, with h = relu(x·W_h + b_h) and t = sigmoid(x·W_t + b_t).</remarks>
public sealed class Highway : Layer
{
    // Tensors that require grad, held in fields: the Layer base finds them, names them and hands them to optimizers.
    private readonly Tensor hiddenWeight;
    private readonly Tensor hiddenBias;
    private readonly Tensor gateWeight;
    private readonly Tensor gateBias;

    /// <summary>Creates a highway layer mapping <paramref name="size"/> features to as many.</summary>
    /// <param name="size">Input and output features.</param>
    /// <param name="name">The layer name; <c>highway</c> when null.</param>
    public Highway(int size, string? name = null)
        : base(name)
    {
        var glorot = new GlorotUniform();
        hiddenWeight = glorot.Create([size, size]).RequireGrad();
        hiddenBias = Tensor.Zeros([size]).RequireGrad();
        gateWeight = glorot.Create([size, size]).RequireGrad();
        // A negative gate bias starts the layer close to the identity, so deep stacks train from the start.
        gateBias = Tensor.Full([size], -1.0).RequireGrad();
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Apply(input, hiddenWeight, hiddenBias, gateWeight, gateBias);

    /// <summary>The layer as a plain function of its input and parameters, so <c>GradCheck</c> can vary each of them.</summary>
    /// <param name="x">Input <c>[N, size]</c>.</param>
    /// <param name="hiddenWeight">W_h <c>[size, size]</c>.</param>
    /// <param name="hiddenBias">b_h <c>[size]</c>.</param>
    /// <param name="gateWeight">W_t <c>[size, size]</c>.</param>
    /// <param name="gateBias">b_t <c>[size]</c>.</param>
    /// <returns>y <c>[N, size]</c>.</returns>
    public static Tensor Apply(Tensor x, Tensor hiddenWeight, Tensor hiddenBias, Tensor gateWeight, Tensor gateBias)
    {
        #region highway-forward
        Tensor h = (x.MatMul(hiddenWeight) + hiddenBias).Relu();     // the transform
        Tensor t = (x.MatMul(gateWeight) + gateBias).Sigmoid();      // the gate, per feature in (0, 1)
        return (t * h) + ((1 - t) * x);                              // carry x where the gate is closed
        #endregion
    }

    /// <summary>The four parameters in the order <see cref="Apply"/> takes them.</summary>
    public Tensor[] ParameterTensors => [hiddenWeight, hiddenBias, gateWeight, gateBias];
}
