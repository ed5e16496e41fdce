using System.Collections.Immutable;
using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs;

public sealed partial class Graph
{
    // The extents of a one-pass trace: primes that model sizes are unlikely to be multiples of (B, then each named
    // dimension), small enough that extents stay far from int overflow. A coincidence only costs the fallback below,
    // never a wrong graph: every extent is read back by factoring it over these primes.
    internal const int OnePassBatch = 101;
    private static readonly int[] OnePassNamed = [103, 107, 109, 113, 127, 131, 137, 139];

    // The fallback: two passes at small, distinct primes; an axis that changes between them is a product of the sizes.
    internal const int TraceBatch1 = 2;
    internal const int TraceBatch2 = 3;
    private static readonly int[] TraceNamed1 = [5, 11, 17, 23, 31, 41, 47, 59];
    private static readonly int[] TraceNamed2 = [7, 13, 19, 29, 37, 43, 53, 61];

    /// <summary>The sizes a trace's placeholders take: the batch, then each named dimension of the specs in name order.</summary>
    internal static DimBindings TraceSizes(IReadOnlyList<TensorSpec> inputs, int batch, int[] named)
    {
        string[] names = [.. inputs.SelectMany(s => s.Dims).SelectMany(d => d.Symbols).Where(n => n != Dim.BatchName).Distinct().Order(StringComparer.Ordinal)];
        if (names.Length > named.Length)
        {
            throw new ArgumentException($"Graph.Trace: the inputs use {names.Length} named dimensions ({string.Join(", ", names)}); at most {named.Length} are supported.");
        }

        var sizes = new DimBindings(batch);
        for (int i = 0; i < names.Length; i++)
        {
            sizes = sizes.With(names[i], named[i]);
        }

        return sizes;
    }

    /// <summary>Why the last batched trace on this thread took two passes (null: it took one); for tests and diagnostics.</summary>
    [ThreadStatic]
    internal static string? LastTraceFallbackReason;

    /// <summary>
    /// Captures <paramref name="function"/> as a graph by running it abstractly on a placeholder of type
    /// <paramref name="input"/>: every op it applies (the same ops eager mode runs) infers its type and is recorded, but no
    /// kernel runs, so no data is needed and no state changes. Named leaf tensors that require grad, and state tensors,
    /// become parameters (named by their <see cref="Tensor.Name"/>, e.g. <c>dense1.kernel</c>); every other captured
    /// tensor becomes a constant.
    /// </summary>
    /// <remarks>
    /// With a batch axis (<c>TensorSpec.Batched(784)</c>) the function runs once, at an unusual batch extent; axes, shape
    /// attributes and mean divisors that carry it become multiples of <c>B</c>, so the one graph then runs at any batch
    /// size. Named dimensions (<c>Dim.Named("T")</c>, a sequence length) work the same way, each with its own extent. If the
    /// function itself reads a batch-dependent extent as a number (<c>x.Shape[0]</c>), draws random numbers
    /// outside an op, or creates a constant one pass cannot read, it is traced twice more, at batch sizes 2 and 3, and the
    /// traces are compared op by op. The function must apply the same ops for every batch size and must run on the calling
    /// thread; it cannot read the values of traced tensors (they have none: an error says so).
    /// </remarks>
    /// <exception cref="InvalidOperationException">The function branches on the batch size, creates random or batch-sized
    /// constants, or an op's attribute depends on the batch size in a way the graph cannot express; the message says where.</exception>
    public static Graph Trace(Func<Tensor, Tensor> function, TensorSpec input)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Trace(x => [function(x[0])], [input]);
    }

    /// <summary>Captures a function of two inputs (e.g. a loss of predictions and targets) as a graph; see <see cref="Trace(Func{Tensor, Tensor}, TensorSpec)"/>.</summary>
    public static Graph Trace(Func<Tensor, Tensor, Tensor> function, TensorSpec first, TensorSpec second)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Trace(x => [function(x[0], x[1])], [first, second]);
    }

    /// <summary>Captures a function of any number of inputs and outputs as a graph; see <see cref="Trace(Func{Tensor, Tensor}, TensorSpec)"/>.</summary>
    public static Graph Trace(Func<Tensor[], Tensor[]> function, params TensorSpec[] inputs)
    {
        ArgumentNullException.ThrowIfNull(function);
        return TraceCore(function, inputs);
    }

    /// <summary>Traces abstractly (no kernels run): once, or with a batch axis that one pass cannot settle, at two batch
    /// sizes whose traces are unified.</summary>
    private static Graph TraceCore(Func<Tensor[], Tensor[]> function, IReadOnlyList<TensorSpec> inputs)
    {
        // Lazily built layers name their parameters as they create them (Layer.MarkBuilt), so one trace sees them. A custom
        // layer that skips MarkBuilt is named only when its first call returns: its parameters then appear in the trace as
        // unnamed trainable constants, and a second trace (the model now built and named) is taken instead.
        if (!inputs.Any(s => s.IsSymbolic))
        {
            RawTrace fixedTrace = Tracer.Run(function, inputs, 1);
            return TraceUnifier.Fixed(HasUnnamedTrainable(fixedTrace) ? Tracer.Run(function, inputs, 1) : fixedTrace, inputs);
        }

        if (TraceOnce(function, inputs, out string? reason) is { } graph)
        {
            LastTraceFallbackReason = null;
            return graph;
        }

        LastTraceFallbackReason = reason;
        DimBindings sizes1 = TraceSizes(inputs, TraceBatch1, TraceNamed1);
        RawTrace first = Tracer.Run(function, inputs, sizes1);
        RawTrace second = Tracer.Run(function, inputs, TraceSizes(inputs, TraceBatch2, TraceNamed2));
        if (!SameParameters(first, second))
        {
            first = Tracer.Run(function, inputs, sizes1);
        }

        return TraceUnifier.Unify(first, second, inputs);
    }

    /// <summary>
    /// The one-pass batched trace (see <see cref="SymbolicExtents"/>): null, with the reason, when anything in it could
    /// depend on the batch size in a way one pass cannot see; the caller then traces at two batch sizes.
    /// </summary>
    private static Graph? TraceOnce(Func<Tensor[], Tensor[]> function, IReadOnlyList<TensorSpec> inputs, out string? reason)
    {
        RawTrace trace;
        using (SymbolicExtents.Scope guards = SymbolicExtents.Begin(TraceSizes(inputs, OnePassBatch, OnePassNamed)))
        {
            try
            {
                trace = Tracer.Run(function, inputs, guards.Sentinels, guards);
            }
            catch (Exception e)
            {
                // Whatever failed at this extent is traced again at two batch sizes, which reports it if it is real.
                reason = guards.FallbackReason ?? e.Message;
                return null;
            }

            if (HasUnnamedTrainable(trace))
            {
                guards.Reject("a layer named its parameters only after its first call");
            }

            Graph? graph = guards.FallbackReason is null ? TraceUnifier.FromOnePass(trace, inputs, guards, TraceSizes(inputs, TraceBatch1, TraceNamed1)) : null;
            reason = guards.FallbackReason;
            return graph;
        }
    }

    private static bool HasUnnamedTrainable(RawTrace trace) => trace.Constants.Any(c => c.RequiresGrad && c.IsLeaf);

    private static bool SameParameters(RawTrace a, RawTrace b)
    {
        if (a.Parameters.Count != b.Parameters.Count)
        {
            return false;
        }

        for (int i = 0; i < a.Parameters.Count; i++)
        {
            if (!ReferenceEquals(a.Parameters[i].Value, b.Parameters[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The graph behind tensors just computed eagerly, read from the tape (<see cref="Tensor.GradFn"/>). It has no inputs:
    /// named leaves that require grad become parameters and every other leaf (the data batch, untracked values) a constant.
    /// The tape keeps only types, so the graph is fixed-size; it reads the leaves' current values when run.
    /// </summary>
    /// <exception cref="ArgumentException">An output has no recorded history (computed under NoGrad or from tensors that do not require grad).</exception>
    public static Graph FromTape(params Tensor[] outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var nodes = new List<GraphNode>();
        var parameters = new List<GraphParameter>();
        var constants = new List<GraphConstant>();
        var produced = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var leaves = new Dictionary<Tensor, ValueRef>(ReferenceEqualityComparer.Instance);
        var names = new HashSet<string>();

        ValueRef Leaf(Tensor t)
        {
            if (leaves.TryGetValue(t, out var known))
            {
                return known;
            }

            ValueRef r;
            if (t.Name is not null && t.RequiresGrad)
            {
                if (!names.Add(t.Name))
                {
                    throw new ArgumentException($"Graph.FromTape: two different parameters are named '{t.Name}'; parameter names must be unique layer paths.");
                }

                r = ValueRef.Parameter(parameters.Count);
                parameters.Add(new GraphParameter(t.Name, t));
            }
            else
            {
                r = ValueRef.Constant(constants.Count);
                constants.Add(new GraphConstant(t));
            }

            leaves[t] = r;
            return r;
        }

        // Iterative post-order walk (inputs in order), so a long chain cannot overflow the stack and the order is stable.
        foreach (Tensor output in outputs)
        {
            if (output.GradFn is not { } root)
            {
                continue;
            }

            var stack = new Stack<(Node Node, int Next)>();
            if (!produced.ContainsKey(root))
            {
                stack.Push((root, 0));
            }

            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                bool descended = false;
                for (int i = next; i < node.InputCount; i++)
                {
                    if (node.InputNode(i) is { } child && !produced.ContainsKey(child))
                    {
                        stack.Push((node, i + 1));
                        stack.Push((child, 0));
                        descended = true;
                        break;
                    }
                }

                if (descended || produced.ContainsKey(node))
                {
                    continue;
                }

                var refs = new ValueRef[node.InputCount];
                for (int i = 0; i < refs.Length; i++)
                {
                    refs[i] = node.InputNode(i) is { } producer ? ValueRef.Node(produced[producer]) : Leaf(node.InputLeaf(i)!);
                }

                produced[node] = nodes.Count;
                nodes.Add(new GraphNode(node.Op, [.. refs], TensorSpec.Of(node.OutputType)));
            }
        }

        var outputRefs = new ValueRef[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            if (outputs[i].GradFn is null)
            {
                throw new ArgumentException(
                    $"Graph.FromTape: output {i} ({outputs[i].Type}) has no recorded history: it was computed under NoGrad or from tensors that do not require grad.");
            }

            outputRefs[i] = ValueRef.Node(produced[outputs[i].GradFn!]);
        }

        return new Graph([], [.. parameters], [.. constants], [.. nodes], [.. outputRefs]);
    }
}
