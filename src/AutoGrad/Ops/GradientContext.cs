using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Ops;

/// <summary>What a gradient rule receives: the incoming gradient, the values the op saved, and the input types.</summary>
public sealed class GradientContext
{
    private readonly Node node;

    internal GradientContext(Node node, Tensor outputGrad)
    {
        this.node = node;
        OutputGrad = outputGrad;
    }

    /// <summary>The gradient of the loss with respect to the op's output (same shape as the output).</summary>
    public Tensor OutputGrad { get; }

    /// <summary>The number of inputs of the op.</summary>
    public int InputCount => node.InputTypes.Length;

    /// <summary>The type of an input.</summary>
    public TensorType InputType(int index) => node.InputTypes[index];

    /// <summary>The type of the output.</summary>
    public TensorType OutputType => node.OutputType;

    /// <summary>Whether a gradient is wanted for an input; a rule may skip work (return null) where it is not.</summary>
    public bool NeedsGrad(int index) => node.NeedsGrad(index);

    /// <summary>A saved input value.</summary>
    /// <exception cref="InvalidOperationException">The op did not declare this input in <see cref="Op.Saves"/>.</exception>
    public Tensor Input(int index) => node.SavedInput(index);

    /// <summary>The saved output value.</summary>
    /// <exception cref="InvalidOperationException">The op did not declare <see cref="SavedValues.Output"/>.</exception>
    public Tensor Output => node.SavedOutput();
}
