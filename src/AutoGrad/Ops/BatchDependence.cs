using AutoGrad.Tensors;

namespace AutoGrad.Ops;

/// <summary>How a value depends on the examples of a batch; see <see cref="BatchDependence"/>.</summary>
public enum BatchRole
{
    /// <summary>Independent of the batch (parameters, constants and what is computed from them alone).</summary>
    Shared,

    /// <summary>Carries the examples along <see cref="BatchDependence.Axis"/>: slice j depends only on example j (and on shared values).</summary>
    Rows,

    /// <summary>A scalar constant equal to a fixed multiple of the batch size (the divisor of a mean over the batch).</summary>
    BatchSize,

    /// <summary>A scalar constant equal to a fixed number divided by the batch size.</summary>
    InverseBatchSize,

    /// <summary>A sum over the examples of per-example terms (plus nothing else): the sum over a batch is the sum of its parts' sums.</summary>
    SumOverBatch,

    /// <summary>
    /// A mean over the examples of per-example terms, possibly plus and times shared values: the mean over a batch of B
    /// examples is the sum of its parts' means weighted by n_i/B.
    /// </summary>
    MeanOverBatch,
}

/// <summary>
/// How one value of a traced graph depends on the examples of its batch — the information an op's batching rule
/// (<see cref="Op.BatchRule"/>, JAX's vmap rule in small) passes on. The data-parallel split of a compiled training step
/// reads it to prove that the loss of a batch is the weighted sum of the losses of its halves.
/// </summary>
/// <param name="Role">The kind of dependence.</param>
/// <param name="Axis">For <see cref="BatchRole.Rows"/>, the axis that carries the examples; else −1.</param>
/// <param name="Factor">For <see cref="BatchRole.Rows"/>, how many consecutive slices along <paramref name="Axis"/> each
/// example owns (the axis is Factor·B long): 1, or more after a reshape that merges the examples' axis with the next one.</param>
public readonly record struct BatchDependence(BatchRole Role, int Axis = -1, int Factor = 1)
{
    /// <summary>A value that does not depend on the batch.</summary>
    public static BatchDependence Shared => new(BatchRole.Shared);

    /// <summary>A value whose slice j along <paramref name="axis"/> depends only on example j.</summary>
    public static BatchDependence Rows(int axis) => new(BatchRole.Rows, axis);

    /// <summary>A value whose slices [j·factor, (j+1)·factor) along <paramref name="axis"/> depend only on example j.</summary>
    public static BatchDependence Rows(int axis, int factor) => new(BatchRole.Rows, axis, factor);

    /// <summary>The same dependence with the examples moved to <paramref name="axis"/>.</summary>
    public BatchDependence WithAxis(int axis) => this with { Axis = axis };

    /// <summary>Whether the value is a sum or mean over the examples.</summary>
    public bool IsAggregate => Role is BatchRole.SumOverBatch or BatchRole.MeanOverBatch;

    /// <summary>
    /// The rule of an elementwise op with NumPy broadcasting: every input is shared or carries the examples along the
    /// same output axis (inputs aligned from the right) without being broadcast along it; the output carries them along
    /// that axis. Null for anything else (an aggregate or a batch-size constant among the inputs).
    /// </summary>
    public static BatchDependence? Elementwise(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output)
    {
        int axis = -1, factor = 1;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].Role == BatchRole.Shared)
            {
                continue;
            }

            if (inputs[i].Role != BatchRole.Rows)
            {
                return null;
            }

            int aligned = inputs[i].Axis + (output.Shape.Rank - inputTypes[i].Shape.Rank);
            if ((axis >= 0 && (aligned != axis || inputs[i].Factor != factor)) || inputTypes[i].Shape[inputs[i].Axis] != output.Shape[aligned])
            {
                return null;
            }

            axis = aligned;
            factor = inputs[i].Factor;
        }

        return axis < 0 ? null : Rows(axis, factor);
    }

    /// <summary>
    /// The rule of a sum or difference: elementwise for per-example inputs; two aggregates of one kind stay that kind; a
    /// mean plus a shared value stays a mean (its weights sum to one). A sum plus a shared value is not split: the shared
    /// term would be counted once per part.
    /// </summary>
    public static BatchDependence? Additive(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output)
    {
        BatchDependence a = inputs[0], b = inputs[1];
        if (!a.IsAggregate && !b.IsAggregate)
        {
            return Elementwise(inputs, inputTypes, output);
        }

        if (a.IsAggregate && b.IsAggregate)
        {
            return a.Role == b.Role ? a : null;
        }

        BatchDependence aggregate = a.IsAggregate ? a : b;
        BatchDependence other = a.IsAggregate ? b : a;
        return aggregate.Role == BatchRole.MeanOverBatch && other.Role == BatchRole.Shared ? aggregate : null;
    }

    /// <summary>
    /// The rule of a product (<paramref name="divides"/> false) or quotient: elementwise for per-example inputs; an
    /// aggregate times (or divided by) a shared value stays that aggregate; a sum divided by a multiple of the batch size,
    /// or times its inverse, is a mean.
    /// </summary>
    public static BatchDependence? Scaling(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output, bool divides)
    {
        BatchDependence a = inputs[0], b = inputs[1];
        if (a.IsAggregate && b.Role == BatchRole.Shared)
        {
            return a;
        }

        if (!divides && b.IsAggregate && a.Role == BatchRole.Shared)
        {
            return b;
        }

        BatchRole meanDivisor = divides ? BatchRole.BatchSize : BatchRole.InverseBatchSize;
        if (a.Role == BatchRole.SumOverBatch && b.Role == meanDivisor)
        {
            return new BatchDependence(BatchRole.MeanOverBatch);
        }

        if (!divides && b.Role == BatchRole.SumOverBatch && a.Role == BatchRole.InverseBatchSize)
        {
            return new BatchDependence(BatchRole.MeanOverBatch);
        }

        return Elementwise(inputs, inputTypes, output);
    }

    /// <summary>
    /// The rule of an op whose first input may carry the examples and whose other inputs must be shared: the output carries
    /// them along <paramref name="outputAxis"/>(a) when the input carries them along a, and mixes them where that is null.
    /// </summary>
    public static BatchDependence? FromFirstInput(ReadOnlySpan<BatchDependence> inputs, Func<int, int?> outputAxis)
    {
        ArgumentNullException.ThrowIfNull(outputAxis);
        for (int i = 1; i < inputs.Length; i++)
        {
            if (inputs[i].Role != BatchRole.Shared)
            {
                return null;
            }
        }

        if (inputs[0].Role != BatchRole.Rows)
        {
            return null;
        }

        int? axis = outputAxis(inputs[0].Axis);
        return axis is int a ? inputs[0].WithAxis(a) : null;
    }

    /// <summary>
    /// The rule of an op whose inputs all carry the examples along the same axis (and factor) or are shared, such as a
    /// gradient that reads the output gradient and the input at the same positions: the output carries them along
    /// <paramref name="outputAxis"/>(a), and mixes them where that is null or the inputs disagree.
    /// </summary>
    public static BatchDependence? FromAlignedInputs(ReadOnlySpan<BatchDependence> inputs, Func<int, int?> outputAxis)
    {
        ArgumentNullException.ThrowIfNull(outputAxis);
        BatchDependence? rows = null;
        foreach (BatchDependence input in inputs)
        {
            if (input.Role == BatchRole.Shared)
            {
                continue;
            }

            if (input.Role != BatchRole.Rows || (rows is { } seen && seen != input))
            {
                return null;
            }

            rows = input;
        }

        return rows is { } r && outputAxis(r.Axis) is int a ? r.WithAxis(a) : null;
    }
}
