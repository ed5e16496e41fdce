using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Reductions;

/// <summary>Base for reductions over a set of axes (sum, max, min), with or without keeping the reduced axes as size 1.</summary>
public abstract class ReductionOp : Op
{
    /// <summary>True: each output element is a reduction, and reducing an empty axis writes zeros or throws.</summary>
    protected internal override bool ForwardWritesEveryElement => true;

    /// <summary>Creates a reduction over normalized, sorted axes.</summary>
    protected ReductionOp(int[] axes, bool keepDims)
    {
        Axes = axes;
        KeepDims = keepDims;
    }

    /// <summary>The reduced axes, normalized and sorted.</summary>
    public int[] Axes { get; }

    /// <summary>Whether reduced axes stay as size-1 axes.</summary>
    public bool KeepDims { get; }

    /// <summary>Which reduction the kernel computes.</summary>
    internal abstract ReduceKind Kind { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("axes", Axes), new("keep_dims", KeepDims)];

    /// <summary>For a reduction that is linear in its input (sum, mean without correction), what reducing over the examples
    /// makes of them; null for the others (max, min, log-sum-exp, corrected means), which are then never split.</summary>
    internal virtual BatchRole? LinearOverBatch => null;

    /// <summary>
    /// Reducing other axes keeps the examples apart (their axis renumbered); reducing theirs is a sum or mean over the
    /// batch when the reduction is linear (<see cref="LinearOverBatch"/>), as is a linear reduction of such an aggregate.
    /// </summary>
    public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output)
    {
        BatchDependence input = inputs[0];
        if (input.IsAggregate)
        {
            return LinearOverBatch is null ? null : input;
        }

        if (input.Role != BatchRole.Rows)
        {
            return null;
        }

        if (Array.IndexOf(Axes, input.Axis) >= 0)
        {
            return LinearOverBatch is BatchRole role ? new BatchDependence(role) : null;
        }

        return input.WithAxis(KeepDims ? input.Axis : input.Axis - Axes.Count(a => a < input.Axis));
    }

    /// <summary>One operation per input element: each is combined into its output once.</summary>
    public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output) => new(inputs[0].Shape.Size, DefaultBytes(inputs, output));

    /// <inheritdoc/>
    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        Shape input = inputs[0].Shape;
        foreach (int axis in Axes)
        {
            ShapeChecks.Axis(Name, axis, input.Rank);
        }

        return new TensorType(ReducedShape(input, Axes, KeepDims), inputs[0].DType);
    }

    /// <summary>The shape after reducing <paramref name="axes"/>.</summary>
    public static Shape ReducedShape(Shape input, int[] axes, bool keepDims)
    {
        var dims = new List<int>(input.Rank);
        for (int i = 0; i < input.Rank; i++)
        {
            if (Array.IndexOf(axes, i) < 0)
            {
                dims.Add(input[i]);
            }
            else if (keepDims)
            {
                dims.Add(1);
            }
        }

        return Shape.FromOwned(dims.ToArray());
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        if (output.DType == DType.Float32)
        {
            Run<float>(inputs[0], output);
        }
        else
        {
            Run<double>(inputs[0], output);
        }
    }

    /// <summary>The incoming gradient with the reduced axes restored as size 1, ready to broadcast against the input.</summary>
    protected Tensor GradientWithKeptDims(GradientContext context) =>
        KeepDims ? context.OutputGrad : context.OutputGrad.Reshape(ReducedShape(context.InputType(0).Shape, Axes, keepDims: true));

    private void Run<T>(Tensor input, Tensor output)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> source = input.AsSpan<T>();
        if (Axes.Length > 0 && Axes[^1] - Axes[0] == Axes.Length - 1)
        {
            // A run of adjacent axes is one (outer, n, inner) reduction: one kernel call, nothing allocated.
            Shape shape = input.Shape;
            int outerSize = 1, extent = 1, innerSize = 1;
            for (int i = 0; i < shape.Rank; i++)
            {
                if (i < Axes[0])
                {
                    outerSize *= shape[i];
                }
                else if (i > Axes[^1])
                {
                    innerSize *= shape[i];
                }
                else
                {
                    extent *= shape[i];
                }
            }

            Reduce.Axis(Kind, source, output.AsSpan<T>(), outerSize, extent, innerSize);
            return;
        }

        // Otherwise reduce one axis at a time, highest first, so each step is a contiguous (outer, n, inner) reduction.
        int[] dims = input.Shape.ToArray();
        if (Axes.Length == 0)
        {
            source.CopyTo(output.AsSpan<T>());
            return;
        }

        for (int k = Axes.Length - 1; k >= 0; k--)
        {
            int axis = Axes[k];
            int outer = 1, inner = 1;
            for (int i = 0; i < axis; i++)
            {
                outer *= dims[i];
            }

            for (int i = axis + 1; i < dims.Length; i++)
            {
                inner *= dims[i];
            }

            Span<T> destination = k == 0 ? output.AsSpan<T>() : new T[outer * inner];
            Reduce.Axis(Kind, source, destination, outer, dims[axis], inner);
            dims[axis] = 1;
            source = destination;
        }
    }
}
