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

        DType dtype = inputs[0].DType;

        // As in PyTorch, an integer or boolean sum is int64 (a count of trues, a total that does not wrap at 2^31).
        if (!dtype.IsFloatingPoint() && Kind == ReduceKind.Sum)
        {
            dtype = DType.Int64;
        }

        return new TensorType(ReducedShape(input, Axes, KeepDims), dtype);
    }

    /// <summary>Whether the reduction is defined on integer and boolean tensors (sum, max and min are; mean and logsumexp are not).</summary>
    internal virtual bool IsDefinedOnIntegers => false;

    /// <inheritdoc/>
    protected internal override bool AcceptsDType(int input, DType dtype) => dtype.IsFloatingPoint() || IsDefinedOnIntegers;

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
        Tensor input = inputs[0];
        if (output.DType == DType.Float32)
        {
            Run<float>(input.AsSpan<float>(), input.Shape, output.AsSpan<float>());
        }
        else if (output.DType == DType.Float64)
        {
            Run<double>(input.AsSpan<double>(), input.Shape, output.AsSpan<double>());
        }
        else
        {
            // Integers and bools: reduced in 64 bits and narrowed back (max/min keep the input's dtype, sum is int64).
            var result = new long[output.Size];
            Run<long>(Cast.ToInt64(input), input.Shape, result);
            Cast.Convert(result, output);
        }
    }

    /// <summary>The incoming gradient with the reduced axes restored as size 1, ready to broadcast against the input.</summary>
    protected Tensor GradientWithKeptDims(GradientContext context) =>
        KeepDims ? context.OutputGrad : context.OutputGrad.Reshape(ReducedShape(context.InputType(0).Shape, Axes, keepDims: true));

    private void Run<T>(ReadOnlySpan<T> source, Shape shape, Span<T> output)
        where T : unmanaged, INumber<T>
    {
        if (Axes.Length > 0 && Axes[^1] - Axes[0] == Axes.Length - 1)
        {
            // A run of adjacent axes is one (outer, n, inner) reduction: one kernel call, nothing allocated.
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

            Reduce.Axis(Kind, source, output, outerSize, extent, innerSize);
            return;
        }

        // Otherwise reduce one axis at a time, highest first, so each step is a contiguous (outer, n, inner) reduction.
        if (Axes.Length == 0)
        {
            source.CopyTo(output);
            return;
        }

        Span<int> dims = stackalloc int[shape.Rank];
        shape.Dimensions.CopyTo(dims);
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

            // Intermediates alternate between two per-thread buffers (the previous step's result is this step's
            // source), so a compiled graph's BatchNorm-style sum over axes (0, 2, 3) allocates nothing per run.
            Span<T> destination = k == 0 ? output : Staging<T>.Get((Axes.Length - 1 - k) % 2, outer * inner);
            Reduce.Axis(Kind, source, destination, outer, dims[axis], inner);
            dims[axis] = 1;
            source = destination;
        }
    }
    /// <summary>
    /// Two growing per-thread buffers for the intermediates of a reduction over non-adjacent axes. Intermediates above
    /// <see cref="MaxKept"/> elements get a new array each time instead, so one huge eager reduction does not pin its
    /// scratch memory to the thread for good.
    /// </summary>
    private static class Staging<T>
    {
        private const int MaxKept = 1 << 20;

        [ThreadStatic]
        private static T[]? t_first;

        [ThreadStatic]
        private static T[]? t_second;

        public static Span<T> Get(int which, int length)
        {
            if (length > MaxKept)
            {
                return new T[length];
            }

            return ThreadScratch.Grow(ref which == 0 ? ref t_first : ref t_second, length).AsSpan(0, length);
        }
    }
}
