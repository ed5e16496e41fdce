using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Indexing;

/// <summary>
/// The adjoint of <c>index_select</c>: a tensor like the source but with <c>extent</c> positions along the axis, zero
/// except that source slice j is added at position indices[j] (repeats accumulate). Inputs: (indices, source).
/// Gradient with respect to the source: index_select of the incoming gradient.
/// </summary>
internal sealed class IndexAddOp(int axis, int extent) : Op
{
    public override string Name => "index_add";

    public int Axis { get; } = axis;

    public int Extent { get; } = extent;

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("axis", Axis), new("extent", Extent)];

    /// <summary>Input 0 holds the indices (checked in <see cref="InferType"/>); the source is floating point.</summary>
    protected internal override bool AcceptsDType(int input, DType dtype) => input == 0 || dtype.IsFloatingPoint();

    public override SavedValues Saves => SavedValues.Input0;

    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        Shape index = inputs[0].Shape, source = inputs[1].Shape;
        IndexValues.CheckDType(Name, inputs[0]);
        ShapeChecks.Rank(Name, index, 1, "indices");
        ShapeChecks.Axis(Name, Axis, source.Rank);
        if (source[Axis] != index[0])
        {
            throw new ArgumentException($"{Name}: {index[0]} indices but the source {source} has {source[Axis]} positions along axis {Axis}.");
        }

        return new TensorType(source.With(Axis, Extent), inputs[1].DType);
    }

    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        ReadOnlySpan<int> index = IndexValues.Read(Name, inputs[0], Axis, Extent);
        (int outer, int inner) = Layout.Blocks(output.Shape.Dimensions, Axis);
        if (output.DType == DType.Float32)
        {
            Kernels.Indexing.AddAt<float>(inputs[1].AsSpan<float>(), index, output.AsSpan<float>(), outer, Extent, inner);
        }
        else
        {
            Kernels.Indexing.AddAt<double>(inputs[1].AsSpan<double>(), index, output.AsSpan<double>(), outer, Extent, inner);
        }
    }

    public override Tensor?[] Backward(GradientContext context) =>
        [null, context.NeedsGrad(1) ? context.OutputGrad.IndexSelect(Axis, context.Input(0)) : null];
}
