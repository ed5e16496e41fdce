using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Shaping;

/// <summary>
/// The adjoint of <c>slice</c>: a tensor whose axis has <c>extent</c> positions, zero except at start, start+step, …,
/// which hold the input. Gradient: the slice again, so gradients of slices can be differentiated any number of times.
/// </summary>
internal sealed class SliceGradOp(int axis, int start, int step, int extent) : Op
{
    public override string Name => "slice_grad";

    public int Axis { get; } = axis;

    public int Start { get; } = start;

    public int Step { get; } = step;

    public int Extent { get; } = extent;

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("axis", Axis), new("start", Start), new("step", Step), new("extent", Extent)];

    public override SavedValues Saves => SavedValues.None;

    // The kernel writes zeros around the placed positions itself, so neither the eager dispatcher nor a compiled plan
    // needs to clear the output first (a recurrent layer's four gate slices had their [B, 4H] gradients cleared twice).
    protected internal override bool ForwardWritesEveryElement => true;

    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        Shape input = inputs[0].Shape;
        ShapeChecks.Axis(Name, Axis, input.Rank);
        int count = input[Axis];
        if (count > 0 && Start + ((count - 1) * Step) >= Extent)
        {
            throw new ArgumentException($"{Name}: {count} positions from {Start} with step {Step} do not fit an axis of size {Extent} (input shape {input}, axis {Axis}).");
        }

        return new TensorType(input.With(Axis, Extent), inputs[0].DType);
    }

    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        (int outer, int inner) = Layout.Blocks(output.Shape.Dimensions, Axis);
        int count = inputs[0].Shape[Axis];
        if (output.DType == DType.Float32)
        {
            Layout.StridedPlace<float>(inputs[0].AsSpan<float>(), output.AsSpan<float>(), outer, Extent, inner, Start, Step, count);
        }
        else
        {
            Layout.StridedPlace<double>(inputs[0].AsSpan<double>(), output.AsSpan<double>(), outer, Extent, inner, Start, Step, count);
        }
    }

    public override Tensor?[] Backward(GradientContext context)
    {
        int count = context.InputType(0).Shape[Axis];
        int stop = count == 0 ? Start : Start + ((count - 1) * Step) + 1;
        return [new SliceOp(Axis, Start, stop, Step).Apply(context.OutputGrad)];
    }
}
