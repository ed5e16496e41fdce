using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Shaping;

/// <summary>
/// The adjoint of <c>pad_mode</c>: from a gradient of the padded shape, the input-shaped gradient where each input
/// element receives the sum over every output element that copied it. Linear; its gradient is <c>pad_mode</c> again, so
/// derivatives of any order stay within the pair.
/// </summary>
internal sealed class ModePadGradOp(int[] before, int[] after, PaddingMode mode) : Op
{
    public override string Name => "pad_mode_grad";

    public int[] Before { get; } = before;

    public int[] After { get; } = after;

    public PaddingMode Mode { get; } = mode;

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("before", Before), new("after", After), new("mode", ModePadOp.ModeName(Mode))];

    public override SavedValues Saves => SavedValues.None;

    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        Shape padded = inputs[0].Shape;
        if (Before.Length != padded.Rank)
        {
            throw new ArgumentException($"{Name}: got padding for {Before.Length} axes but the gradient has rank {padded.Rank} (shape {padded}).");
        }

        var dims = new int[padded.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = padded[i] - Before[i] - After[i];
            if (dims[i] < 0)
            {
                throw new ArgumentException($"{Name}: gradient {padded} is smaller than padding ({Before[i]}, {After[i]}) on axis {i}.");
            }
        }

        Shape input = Shape.FromOwned(dims);
        ModePadOp.Check(Name, input, Before, After, Mode);
        return new TensorType(input, inputs[0].DType);
    }

    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        int[] map = ModePad.SourceIndices(output.Shape.Dimensions, Before, inputs[0].Shape.Dimensions, Mode == PaddingMode.Reflect);
        if (output.DType == DType.Float32)
        {
            ModePad.ScatterAdd<float>(inputs[0].AsSpan<float>(), map, output.AsSpan<float>());
        }
        else
        {
            ModePad.ScatterAdd<double>(inputs[0].AsSpan<double>(), map, output.AsSpan<double>());
        }
    }

    public override Tensor?[] Backward(GradientContext context) =>
        [new ModePadOp(Before, After, Mode).Apply(context.OutputGrad)];
}
