using System.Globalization;
using AutoGrad.Graphs;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Training;

/// <summary>
/// The specs a jit step or forward is traced with. The first batch gives fixed per-example axes (<c>[B, 28, 28]</c>); when
/// a later batch changes one of them (a new sequence length), the trace is taken again with every changed axis symbolic,
/// as <c>torch.compile</c> marks a dimension dynamic once it has changed: one graph then serves every length. Changed
/// axes that had equal extents before and after (an input's and a target's time axis) share one named dimension.
/// </summary>
internal static class DynamicSpecs
{
    /// <summary>Fixed per-example axes: the batch's own shapes with <c>B</c> first.</summary>
    public static TensorSpec[] Of(ReadOnlySpan<Tensor> tensors) =>
        [.. tensors.ToArray().Select(t => TensorSpec.Batched(t.DType, t.Shape.ToArray()[1..]))];

    /// <summary>
    /// <paramref name="previous"/> with each per-example axis that <paramref name="tensors"/> give another extent made a
    /// named dimension (<c>D1</c>, <c>D2</c>…), or null when nothing can be generalized that way (a rank or dtype
    /// changed, or no fixed axis did).
    /// </summary>
    public static TensorSpec[]? Generalize(TensorSpec[] previous, ReadOnlySpan<Tensor> tensors)
    {
        if (previous.Length != tensors.Length)
        {
            return null;
        }

        var names = new Dictionary<(int Before, int After), Dim>();
        var taken = previous.SelectMany(p => p.Dims).SelectMany(d => d.Symbols).ToHashSet(StringComparer.Ordinal);
        int next = 1;
        var result = new TensorSpec[previous.Length];
        bool changed = false;
        for (int i = 0; i < previous.Length; i++)
        {
            TensorSpec spec = previous[i];
            Tensor t = tensors[i];
            if (spec.DType != t.DType || spec.Rank != t.Rank || spec.Rank == 0 || spec.Dims[0] != Dim.B)
            {
                return null;
            }

            var dims = new Dim[spec.Rank];
            dims[0] = Dim.B;
            for (int axis = 1; axis < dims.Length; axis++)
            {
                Dim d = spec.Dims[axis];
                int extent = t.Shape[axis];
                if (d.IsSymbolic || d.Value == extent || extent == 0)
                {
                    dims[axis] = d;
                    continue;
                }

                if (!names.TryGetValue((d.Value, extent), out Dim named))
                {
                    string name;
                    do
                    {
                        name = "D" + (next++).ToString(CultureInfo.InvariantCulture);
                    }
                    while (taken.Contains(name));
                    named = Dim.Named(name);
                    names[(d.Value, extent)] = named;
                }

                dims[axis] = named;
                changed = true;
            }

            result[i] = new TensorSpec(dims, spec.DType);
        }

        return changed ? result : null;
    }

    /// <summary>
    /// A new trace for <paramref name="tensors"/> after <paramref name="previous"/> (null: none) stopped fitting: with the
    /// changed axes symbolic when that can be tried, else — or when that trace fails (a recurrent layer unrolls its time
    /// steps) — with fixed axes, marking the model as one to trace per shape from then on. <paramref name="create"/>
    /// traces and compiles for the given specs; its second argument is that mark.
    /// </summary>
    public static TStep Retrace<TStep>(TensorSpec[]? previous, bool staticShapes, ReadOnlySpan<Tensor> tensors, Func<TensorSpec[], bool, TStep> create)
    {
        TensorSpec[] fixedSpecs = Of(tensors);
        if (previous is not null && !staticShapes && Generalize(previous, tensors) is { } dynamic)
        {
            try
            {
                return create(dynamic, false);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                return create(fixedSpecs, true);
            }
        }

        return create(fixedSpecs, staticShapes);
    }

    /// <summary>
    /// Whether the tensors (<paramref name="first"/> then <paramref name="second"/>) match the specs in order, with one
    /// size per symbol across all of them. Specs without named dimensions are matched without allocating.
    /// </summary>
    public static bool Matches(ReadOnlySpan<TensorSpec> specs, ReadOnlySpan<Tensor> first, ReadOnlySpan<Tensor> second)
    {
        if (specs.Length != first.Length + second.Length)
        {
            return false;
        }

        bool named = false;
        foreach (TensorSpec spec in specs)
        {
            named |= spec.HasNamed;
        }

        if (!named)
        {
            return TensorSpec.MatchBatched(specs[..first.Length], first) && TensorSpec.MatchBatched(specs[first.Length..], second);
        }

        var sizes = new Dictionary<string, int>();
        for (int i = 0; i < specs.Length; i++)
        {
            Tensor t = i < first.Length ? first[i] : second[i - first.Length];
            if (!specs[i].Match(t.Type, sizes) || !sizes.ContainsKey(Dim.BatchName))
            {
                return false;
            }
        }

        return true;
    }
}
