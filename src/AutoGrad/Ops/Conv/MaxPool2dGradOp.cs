using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Conv;

/// <summary>
/// The gradient of max_pool2d: inputs (g [N, C, oH, oW], x [N, C, H, W]), output [N, C, H, W] holding each window's g
/// added onto the element of x the window picked, in one pass (<see cref="Pooling.MaxBackward{T}"/>). It is linear in g,
/// whose gradient is therefore the incoming h read at the same elements — a gather at <c>max_pool2d_indices</c>(x) — and
/// piecewise constant in x, which gets none (the picked elements do not move under a small change of x).
/// It takes an epilogue (<see cref="IEpilogueProducer"/>): the ReLU mask of the layer below, which would otherwise read
/// and write the whole [N, C, H, W] gradient again, runs on each run of finished planes while they are in cache.
/// </summary>
internal sealed class MaxPool2dGradOp(PoolSettings settings) : Op, IEpilogueProducer
{
    public override string Name => "max_pool2d_grad";

    public PoolSettings Settings { get; } = settings;

    // g and x carry the examples along the same axis; windows never cross images (axis 0) or channels (axis 1).
    public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
        BatchDependence.FromAlignedInputs(inputs, a => a <= 1 ? a : null);

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes => Settings.Attributes;

    /// <summary>One comparison per window element and one add per window.</summary>
    public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output) =>
        new((long)inputs[0].Shape.Size * ((Settings.Kernel.Height * Settings.Kernel.Width) + 1), DefaultBytes(inputs, output));

    protected internal override bool ForwardWritesEveryElement => true;

    // The rule reads only x (for the indices); g's own value is not needed.
    public override SavedValues Saves => SavedValues.Input1;

    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        DType dtype = ShapeChecks.SameDType(Name, inputs[0], inputs[1]);
        Shape g = inputs[0].Shape, x = inputs[1].Shape;
        ConvGeometry geometry = Settings.Geometry(Name, x);
        if (g.Rank != 4 || g[0] != x[0] || g[1] != x[1] || g[2] != geometry.OutHeight || g[3] != geometry.OutWidth)
        {
            throw new ArgumentException(
                $"{Name}: output gradient {g} does not match input {x} pooled with these settings: expected ({x[0]}, {x[1]}, {geometry.OutHeight}, {geometry.OutWidth}).");
        }

        return new TensorType(x, dtype);
    }

    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        if (output.DType == DType.Float32)
        {
            Run<float>(inputs, output, null);
        }
        else
        {
            Run<double>(inputs, output, null);
        }
    }

    /// <summary>Every application: its output is a plain [N, C, H, W] array written plane by plane.</summary>
    public bool AcceptsEpilogue(ReadOnlySpan<int> inputRanks) => inputRanks is [4, 4];

    /// <summary>The output [N, C, H, W] as the (N·C) × (H·W) matrix of its planes.</summary>
    public (int Rows, int Columns) EpilogueMatrix(Shape output) => (output[0] * output[1], output[2] * output[3]);

    /// <summary>The gradient with <paramref name="epilogue"/> run on each run of finished planes.</summary>
    public void Forward<T>(ReadOnlySpan<Tensor> inputs, Tensor output, IGemmEpilogue<T> epilogue)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => Run(inputs, output, epilogue);

    private void Run<T>(ReadOnlySpan<Tensor> inputs, Tensor output, IGemmEpilogue<T>? epilogue)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Shape x = inputs[1].Shape;
        ConvGeometry g = Settings.Geometry(Name, x);
        Pooling.MaxBackward(inputs[0].AsSpan<T>(), inputs[1].AsSpan<T>(), x[0] * x[1], g, output.AsSpan<T>(), epilogue);
    }

    public override Tensor?[] Backward(GradientContext context)
    {
        if (!context.NeedsGrad(0))
        {
            return [null, null];
        }

        Tensor h = context.OutputGrad, x = context.Input(1);
        Shape shape = x.Shape;
        Tensor indices = new MaxPool2dIndicesOp(Settings).Apply(x);
        Shape pooled = indices.Shape;
        Tensor picked = h.Reshape(shape[0], shape[1], shape[2] * shape[3])
            .Gather(2, indices.Reshape(shape[0], shape[1], pooled[2] * pooled[3]))
            .Reshape(pooled);
        return [picked, null];
    }
}
