using System.Collections.Immutable;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs;

/// <summary>
/// Turns traces into a graph. A function traced at two batch sizes must apply the same ops in the same order; every axis
/// (and every shape attribute) that differs between the two traces is a multiple of B, and a scalar constant that differs
/// is a multiple of B or of 1/B (a mean over the batch). Anything else that differs is reported, because the graph could
/// not be trusted at a third batch size.
/// </summary>
internal static class TraceUnifier
{
    public static Graph Fixed(RawTrace trace, IReadOnlyList<TensorSpec> inputs) =>
        new(
            [.. inputs.Select(s => new GraphInput(s))],
            [.. trace.Parameters],
            [.. trace.Constants.Select(c => new GraphConstant(c))],
            [.. trace.Nodes.Select(n => new GraphNode(n.Op, [.. n.Inputs], TensorSpec.Of(n.Type)))],
            [.. trace.Outputs]);

    /// <summary>
    /// The graph of a one-pass trace at batch extent <see cref="SymbolicExtents.Scope.Sentinel"/>: every axis and shape
    /// attribute that is a multiple of it becomes k·B, and so does a marked mean divisor. Anything one pass cannot tell from a
    /// fixed number (a batch-sized constant, an unmarked scalar or an attribute that happens to be a multiple of the
    /// extent, a batch-sized attribute the op cannot re-create) is recorded on <paramref name="guards"/> and gives null.
    /// The graph is then instantiated at batch size 2, so an axis that only looked like a multiple of the batch is caught.
    /// </summary>
    public static Graph? FromOnePass(RawTrace trace, IReadOnlyList<TensorSpec> inputs, SymbolicExtents.Scope guards)
    {
        int s = guards.Sentinel;
        var constants = ImmutableArray.CreateBuilder<GraphConstant>(trace.Constants.Count);
        foreach (Tensor c in trace.Constants)
        {
            if (c.Shape.DimsArray is { } cdims && Array.Exists(cdims, guards.IsBatchMultiple))
            {
                guards.Reject($"a constant {c.Type} may be batch-sized");
                return null;
            }

            if (guards.Scaled.TryGetValue(c, out var scaled))
            {
                constants.Add(new GraphConstant(c, scaled.PerBatch ? ConstantScaling.PerBatch : ConstantScaling.TimesBatch, scaled.Factor));
                continue;
            }

            if (c.Size == 1 && LooksBatchScaled(c.GetFlat(0), s, c.DType))
            {
                guards.Reject($"the scalar constant {c.GetFlat(0)} may be proportional to the batch size");
                return null;
            }

            constants.Add(new GraphConstant(c));
        }

        var nodes = ImmutableArray.CreateBuilder<GraphNode>(trace.Nodes.Count);
        foreach (var (op, refs, type) in trace.Nodes)
        {
            var symbolic = ImmutableArray.CreateBuilder<SymbolicAttribute>();
            foreach (var (key, value) in op.Attributes)
            {
                if (value is Shape shape)
                {
                    if (shape.DimsArray is { } adims && Array.Exists(adims, guards.IsBatchMultiple))
                    {
                        symbolic.Add(new SymbolicAttribute(key, OnePassDims(adims, guards)));
                    }
                }
                else if (MentionsBatchMultiple(value, guards))
                {
                    guards.Reject($"op '{op.Name}' has attribute '{key}' = {AttributeFormatter.Format(value)}, which may depend on the batch size");
                    return null;
                }
            }

            if (symbolic.Count > 0 && !GraphInstance.CanInstantiate(op, symbolic.Select(a => a.Key)))
            {
                guards.Reject(GraphInstance.CannotInstantiateMessage(op, symbolic.Select(a => a.Key)));
                return null;
            }

            var dims = type.Shape.DimsArray is { } tdims ? OnePassDims(tdims, guards) : [];
            if (dims.Any(d => d.IsSymbolic && d.Value % s == 0))
            {
                guards.Reject($"op '{op.Name}' gives {type}, with an axis not proportional to the batch size");
                return null;
            }

            nodes.Add(new GraphNode(op, [.. refs], new TensorSpec(dims, type.DType), symbolic.ToImmutable()));
        }

        var graph = new Graph([.. inputs.Select(i => new GraphInput(i))], [.. trace.Parameters], constants.MoveToImmutable(), nodes.MoveToImmutable(), [.. trace.Outputs]);
        try
        {
            GraphInstance.Create(graph, Graph.TraceBatch1);
        }
        catch (InvalidOperationException e)
        {
            guards.Reject(e.Message);
            return null;
        }
        catch (ArgumentException e)
        {
            guards.Reject(e.Message);
            return null;
        }

        return graph;
    }

    private static ImmutableArray<Dim> OnePassDims(int[] dims, SymbolicExtents.Scope guards) =>
        [.. dims.Select(d => guards.IsBatchMultiple(d) ? Dim.TimesBatch(d / guards.Sentinel) : Dim.Fixed(d))];

    /// <summary>Whether a scalar could be k·S or k/S for the sentinel extent S (to float32 rounding).</summary>
    private static bool LooksBatchScaled(double value, int sentinel, DType dtype)
    {
        if (value == 0 || !double.IsFinite(value))
        {
            return false;
        }

        // Rounding a float32 k/S moves it by at most 2⁻²⁴ relative; anything farther is not k/S.
        double tolerance = dtype == DType.Float64 ? 1e-14 : 2e-7;
        foreach (double candidate in (ReadOnlySpan<double>)[Math.Abs(value), 1 / Math.Abs(value)])
        {
            double k = Math.Round(candidate / sentinel);
            if (k >= 1 && Math.Abs(candidate - (k * sentinel)) <= tolerance * candidate)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a non-shape attribute holds a number that is a multiple of the sentinel extent.</summary>
    private static bool MentionsBatchMultiple(object? value, SymbolicExtents.Scope guards) => value switch
    {
        null or string or bool => false,
        int i => guards.IsBatchMultiple(i),
        long l => l != 0 && l % guards.Sentinel == 0,
        double d => double.IsInteger(d) && d != 0 && d % guards.Sentinel == 0,
        float f => float.IsInteger(f) && f != 0 && f % guards.Sentinel == 0,
        System.Collections.IEnumerable items => items.Cast<object?>().Any(item => MentionsBatchMultiple(item, guards)),
        _ => false,
    };

    public static Graph Unify(RawTrace first, RawTrace second, IReadOnlyList<TensorSpec> inputs)
    {
        int b1 = first.Batch, b2 = second.Batch;
        string Where(int n) => $"Graph.Trace: at batch sizes {b1} and {b2} the traced function";
        const string Advice = " A traced function must apply the same ops for every batch size (no branching on shapes or values, no random constants).";

        if (first.Nodes.Count != second.Nodes.Count)
        {
            throw new InvalidOperationException($"{Where(0)} applied {first.Nodes.Count} and {second.Nodes.Count} ops.{Advice}");
        }

        if (first.Parameters.Count != second.Parameters.Count || first.Parameters.Zip(second.Parameters).Any(p => !ReferenceEquals(p.First.Value, p.Second.Value)))
        {
            throw new InvalidOperationException($"{Where(0)} read different parameters ({string.Join(", ", first.Parameters.Select(p => p.Name))} vs {string.Join(", ", second.Parameters.Select(p => p.Name))}).{Advice}");
        }

        if (first.Constants.Count != second.Constants.Count || !first.Outputs.SequenceEqual(second.Outputs))
        {
            throw new InvalidOperationException($"{Where(0)} read different constants or returned different values.{Advice}");
        }

        var constants = ImmutableArray.CreateBuilder<GraphConstant>(first.Constants.Count);
        for (int i = 0; i < first.Constants.Count; i++)
        {
            constants.Add(UnifyConstant(first.Constants[i], second.Constants[i], b1, b2, i));
        }

        var nodes = ImmutableArray.CreateBuilder<GraphNode>(first.Nodes.Count);
        for (int n = 0; n < first.Nodes.Count; n++)
        {
            var (op1, in1, type1) = first.Nodes[n];
            var (op2, in2, type2) = second.Nodes[n];
            if (op1.GetType() != op2.GetType() || !in1.SequenceEqual(in2))
            {
                throw new InvalidOperationException($"{Where(n)} differs at op {n}: '{op1.Name}' vs '{op2.Name}'.{Advice}");
            }

            var symbolic = UnifyAttributes(op1, op2, b1, b2, n);
            ImmutableArray<Dim> dims = UnifyShape(type1.Shape, type2.Shape, b1, b2)
                ?? throw new InvalidOperationException(
                    $"{Where(n)} gave op {n} ('{op1.Name}') the types {type1} and {type2}; an axis that changes with the batch size must be a multiple of it.");
            nodes.Add(new GraphNode(op1, [.. in1], new TensorSpec(dims, type1.DType), symbolic));
        }

        return new Graph([.. inputs.Select(s => new GraphInput(s))], [.. first.Parameters], constants.MoveToImmutable(), nodes.MoveToImmutable(), [.. first.Outputs]);
    }

    internal static ImmutableArray<Dim>? UnifyShape(Shape a, Shape b, int b1, int b2)
    {
        if (a.Rank != b.Rank)
        {
            return null;
        }

        var dims = new Dim[a.Rank];
        for (int i = 0; i < dims.Length; i++)
        {
            Dim? d = Dim.Unify(a[i], b[i], b1, b2);
            if (d is null)
            {
                return null;
            }

            dims[i] = d.Value;
        }

        return [.. dims];
    }

    private static ImmutableArray<SymbolicAttribute> UnifyAttributes(Op op1, Op op2, int b1, int b2, int n)
    {
        var a1 = op1.Attributes;
        var a2 = op2.Attributes;
        if (a1.Count != a2.Count)
        {
            throw new InvalidOperationException($"Graph.Trace: op {n} ('{op1.Name}') has different attributes at batch sizes {b1} and {b2}: {op1} vs {op2}.");
        }

        var symbolic = ImmutableArray.CreateBuilder<SymbolicAttribute>();
        for (int i = 0; i < a1.Count; i++)
        {
            if (a1[i].Key == a2[i].Key && AttributeFormatter.Format(a1[i].Value) == AttributeFormatter.Format(a2[i].Value))
            {
                continue;
            }

            if (a1[i].Value is Shape s1 && a2[i].Value is Shape s2 && UnifyShape(s1, s2, b1, b2) is { } dims)
            {
                symbolic.Add(new SymbolicAttribute(a1[i].Key, dims));
                continue;
            }

            throw new InvalidOperationException(
                $"Graph.Trace: op {n} ('{op1.Name}') has attribute '{a1[i].Key}' = {AttributeFormatter.Format(a1[i].Value)} at batch size {b1} " +
                $"and {AttributeFormatter.Format(a2[i].Value)} at batch size {b2}, which is not a multiple of the batch size.");
        }

        if (symbolic.Count > 0 && !GraphInstance.CanInstantiate(op1, symbolic.Select(s => s.Key)))
        {
            throw new InvalidOperationException("Graph.Trace: " + GraphInstance.CannotInstantiateMessage(op1, symbolic.Select(s => s.Key)));
        }

        return symbolic.ToImmutable();
    }

    private static GraphConstant UnifyConstant(Tensor c1, Tensor c2, int b1, int b2, int index)
    {
        if (ReferenceEquals(c1, c2) || (c1.Type == c2.Type && c1.ToArray<double>().AsSpan().SequenceEqual(c2.ToArray<double>())))
        {
            return new GraphConstant(c1);
        }

        if (c1.Type == c2.Type && c1.Size == 1)
        {
            double v1 = c1.GetFlat(0), v2 = c2.GetFlat(0);
            double tolerance = c1.DType == DType.Float32 ? 1e-6 : 1e-12;
            if (Close(v1 / b1, v2 / b2, tolerance))
            {
                return new GraphConstant(c1, ConstantScaling.TimesBatch, v1 / b1);
            }

            if (Close(v1 * b1, v2 * b2, tolerance))
            {
                return new GraphConstant(c1, ConstantScaling.PerBatch, v1 * b1);
            }
        }

        throw new InvalidOperationException(
            $"Graph.Trace: constant {index} created inside the traced function is {c1.Type} at batch size {b1} and {c2.Type} at batch size {b2} " +
            "with different values; only scalar constants proportional to B or 1/B can depend on the batch size. " +
            "Create batch-sized tensors from the input with ops (e.g. x.ZerosLike() is not an op; use x.Mul(0.0) or BroadcastTo), or trace with a fixed spec.");
    }

    private static bool Close(double a, double b, double tolerance) => Math.Abs(a - b) <= tolerance * Math.Max(Math.Abs(a), Math.Abs(b));
}
