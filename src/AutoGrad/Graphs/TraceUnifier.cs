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
    /// The graph of a one-pass trace at the prime extents <see cref="SymbolicExtents.Scope.Sentinels"/>: every axis and
    /// shape attribute they divide is factored into k·B, T, k·B·T…, and so is a marked mean divisor. Anything one pass
    /// cannot tell from a fixed number (a size-dependent constant, an unmarked scalar or an attribute that happens to be
    /// divisible by an extent, a symbolic attribute the op cannot re-create) is recorded on <paramref name="guards"/> and
    /// gives null. The graph is then instantiated at the sizes <paramref name="check"/>, so an axis that only looked
    /// symbolic is caught.
    /// </summary>
    public static Graph? FromOnePass(RawTrace trace, IReadOnlyList<TensorSpec> inputs, SymbolicExtents.Scope guards, DimBindings check)
    {
        var constants = ImmutableArray.CreateBuilder<GraphConstant>(trace.Constants.Count);
        foreach (Tensor c in trace.Constants)
        {
            if (c.Shape.DimsArray is { } cdims && Array.Exists(cdims, d => guards.CarriesSymbol(d)))
            {
                guards.Reject($"a constant {c.Type} may be batch-sized");
                return null;
            }

            if (guards.Scaled.TryGetValue(c, out var scaled))
            {
                constants.Add(new GraphConstant(c, scaled.PerBatch ? ConstantScaling.PerBatch : ConstantScaling.TimesBatch, scaled.Factor, scaled.Unit));
                continue;
            }

            if (c.Size == 1 && LooksScaled(c.GetFlat(0), guards, c.DType))
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
                    if (shape.DimsArray is { } adims && Array.Exists(adims, d => guards.CarriesSymbol(d)))
                    {
                        symbolic.Add(new SymbolicAttribute(key, [.. adims.Select(guards.ToDim)]));
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

            ImmutableArray<Dim> dims = type.Shape.DimsArray is { } tdims ? [.. tdims.Select(guards.ToDim)] : [];
            nodes.Add(new GraphNode(op, [.. refs], new TensorSpec(dims, type.DType), symbolic.ToImmutable()));
        }

        var graph = new Graph([.. inputs.Select(i => new GraphInput(i))], [.. trace.Parameters], constants.MoveToImmutable(), nodes.MoveToImmutable(), [.. trace.Outputs]);
        try
        {
            GraphInstance.Create(graph, check);
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

    /// <summary>Whether a scalar could be k·S or 1/(k·S) for a symbol's extent S (to float32 rounding).</summary>
    private static bool LooksScaled(double value, SymbolicExtents.Scope guards, DType dtype)
    {
        if (value == 0 || !double.IsFinite(value))
        {
            return false;
        }

        // Rounding a float32 k/S moves it by at most 2⁻²⁴ relative; anything farther is not k/S.
        double tolerance = dtype == DType.Float64 ? 1e-14 : 2e-7;
        foreach (double candidate in (ReadOnlySpan<double>)[Math.Abs(value), 1 / Math.Abs(value)])
        {
            double whole = Math.Round(candidate);
            if (whole >= 1 && whole < long.MaxValue && Math.Abs(candidate - whole) <= tolerance * candidate && guards.CarriesSymbol((long)whole))
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
        int i => guards.CarriesSymbol(i),
        long l => guards.CarriesSymbol(l),
        double d => double.IsInteger(d) && Math.Abs(d) < long.MaxValue && guards.CarriesSymbol((long)d),
        float f => float.IsInteger(f) && Math.Abs(f) < long.MaxValue && guards.CarriesSymbol((long)f),
        System.Collections.IEnumerable items => items.Cast<object?>().Any(item => MentionsBatchMultiple(item, guards)),
        _ => false,
    };

    public static Graph Unify(RawTrace first, RawTrace second, IReadOnlyList<TensorSpec> inputs)
    {
        DimBindings b1 = first.Sizes, b2 = second.Sizes;
        string Where(int n) => $"Graph.Trace: at {Both(b1, b2)} the traced function";
        string Advice = b1.HasNamed
            ? " A traced function must apply the same ops for every size (no branching on shapes or values, no random constants, " +
              "no loop over a named dimension: a recurrent layer unrolls one step per time step, so trace it with a fixed length)."
            : " A traced function must apply the same ops for every batch size (no branching on shapes or values, no random constants).";

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

    /// <summary><c>batch sizes 2 and 3</c>, or <c>sizes (B=2, T=5) and (B=3, T=7)</c> with named dimensions.</summary>
    private static string Both(DimBindings b1, DimBindings b2) =>
        b1.HasNamed ? $"sizes ({b1}) and ({b2})" : $"batch sizes {b1.Batch} and {b2.Batch}";

    internal static ImmutableArray<Dim>? UnifyShape(Shape a, Shape b, DimBindings b1, DimBindings b2)
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

    private static ImmutableArray<SymbolicAttribute> UnifyAttributes(Op op1, Op op2, DimBindings b1, DimBindings b2, int n)
    {
        var a1 = op1.Attributes;
        var a2 = op2.Attributes;
        if (a1.Count != a2.Count)
        {
            throw new InvalidOperationException($"Graph.Trace: op {n} ('{op1.Name}') has different attributes at {Both(b1, b2)}: {op1} vs {op2}.");
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
                $"Graph.Trace: op {n} ('{op1.Name}') has attribute '{a1[i].Key}' = {AttributeFormatter.Format(a1[i].Value)} at {b1.Describe()} " +
                $"and {AttributeFormatter.Format(a2[i].Value)} at {b2.Describe()}, which is not a multiple of the batch size.");
        }

        if (symbolic.Count > 0 && !GraphInstance.CanInstantiate(op1, symbolic.Select(s => s.Key)))
        {
            throw new InvalidOperationException("Graph.Trace: " + GraphInstance.CannotInstantiateMessage(op1, symbolic.Select(s => s.Key)));
        }

        return symbolic.ToImmutable();
    }

    private static GraphConstant UnifyConstant(Tensor c1, Tensor c2, DimBindings b1, DimBindings b2, int index)
    {
        if (ReferenceEquals(c1, c2) || (c1.Type == c2.Type && c1.ToArray<double>().AsSpan().SequenceEqual(c2.ToArray<double>())))
        {
            return new GraphConstant(c1);
        }

        if (c1.Type == c2.Type && c1.Size == 1)
        {
            double v1 = c1.GetFlat(0), v2 = c2.GetFlat(0);
            double tolerance = c1.DType == DType.Float32 ? 1e-6 : 1e-12;
            // A product of the sizes, each to a power of at most 2 (a mean over B and T divides by B·T).
            foreach (Dim unit in Dim.Units(b1.Names))
            {
                double p1 = unit.Resolve(b1), p2 = unit.Resolve(b2);
                if (Close(v1 / p1, v2 / p2, tolerance))
                {
                    return new GraphConstant(c1, ConstantScaling.TimesBatch, v1 / p1, unit);
                }

                if (Close(v1 * p1, v2 * p2, tolerance))
                {
                    return new GraphConstant(c1, ConstantScaling.PerBatch, v1 * p1, unit);
                }
            }
        }

        throw new InvalidOperationException(
            $"Graph.Trace: constant {index} created inside the traced function is {c1.Type} at {b1.Describe()} and {c2.Type} at {b2.Describe()} " +
            "with different values; only scalar constants proportional to B or 1/B can depend on the batch size. " +
            "Create batch-sized tensors from the input with ops (e.g. x.ZerosLike() is not an op; use x.Mul(0.0) or BroadcastTo), or trace with a fixed spec.");
    }

    private static bool Close(double a, double b, double tolerance) => Math.Abs(a - b) <= tolerance * Math.Max(Math.Abs(a), Math.Abs(b));
}
