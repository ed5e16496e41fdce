using System.Runtime.CompilerServices;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs;

/// <summary>One concrete trace: the ops applied while a function ran on placeholders of one set of sizes.</summary>
internal sealed class RawTrace
{
    public required DimBindings Sizes { get; init; }

    public List<GraphParameter> Parameters { get; } = [];

    public List<Tensor> Constants { get; } = [];

    public List<(Op Op, ValueRef[] Inputs, TensorType Type)> Nodes { get; } = [];

    public ValueRef[] Outputs { get; set; } = [];
}

/// <summary>
/// Captures every op applied on this thread while a function runs, through <see cref="OpDispatcher.Observer"/>. A tensor an
/// op reads is a placeholder, the result of an earlier captured op, a parameter (a named leaf that requires grad, or a
/// state tensor: optimizer state, the learning rate, running statistics), or else a constant captured by reference.
/// Ops that are not pure are recorded without running, so tracing changes no state and draws no random numbers.
/// </summary>
internal sealed class Tracer : IOpObserver
{
    private readonly Dictionary<Tensor, ValueRef> values = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, Tensor> parameterNames = [];
    private readonly RawTrace trace;

    // Guards of a one-pass trace, which must know every traced value whose shape carries the batch.
    private readonly SymbolicExtents.Scope? guards;

    private Tracer(RawTrace trace, SymbolicExtents.Scope? guards)
    {
        this.trace = trace;
        this.guards = guards;
    }

    /// <summary>
    /// Runs <paramref name="function"/> on fresh placeholders of the given types and returns what it did. Under a one-pass
    /// trace's <paramref name="guards"/>, every traced value whose shape carries the batch is registered with them.
    /// </summary>
    [InvokesUserCode]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static RawTrace Run(Func<Tensor[], Tensor[]> function, IReadOnlyList<TensorSpec> inputs, DimBindings sizes, SymbolicExtents.Scope? guards = null)
    {
        var trace = new RawTrace { Sizes = sizes };
        var tracer = new Tracer(trace, guards);
        // Placeholders are typed values without data: the trace is abstract, no kernel runs.
        var placeholders = new Tensor[inputs.Count];
        for (int i = 0; i < placeholders.Length; i++)
        {
            placeholders[i] = Tensor.Abstract(inputs[i].Resolve(sizes));
            guards?.Register(placeholders[i].Shape);
            tracer.values[placeholders[i]] = ValueRef.Input(i);
        }

        IOpObserver? previous = OpDispatcher.Observer;
        OpDispatcher.Observer = tracer;
        Tensor[] results;
        try
        {
            results = function(placeholders);
        }
        finally
        {
            OpDispatcher.Observer = previous;
        }

        if (results is null || results.Length == 0)
        {
            throw new ArgumentException("Graph.Trace: the traced function returned no outputs.");
        }

        trace.Outputs = [.. results.Select(tracer.Resolve)];
        tracer.ApplyPromotions();
        return trace;
    }

    /// <summary>Constants that an op later wrote, now parameters: every reference to them is rewritten, and they leave the constants.</summary>
    private readonly Dictionary<int, int> promoted = [];

    /// <summary>
    /// A tensor read before it is written (a buffer a layer reads and then updates with Assign) was captured as a constant at
    /// its first read; once written it is state, so it becomes a parameter, read at run time, and earlier reads follow.
    /// </summary>
    private ValueRef Promote(Tensor tensor, ValueRef constant)
    {
        string name = tensor.Name ?? $"state_{trace.Parameters.Count}";
        if (parameterNames.TryGetValue(name, out Tensor? other) && !ReferenceEquals(other, tensor))
        {
            throw new ArgumentException($"Graph.Trace: two different parameters are named '{name}'; parameter names must be unique layer paths.");
        }

        parameterNames[name] = tensor;
        var parameter = ValueRef.Parameter(trace.Parameters.Count);
        trace.Parameters.Add(new GraphParameter(name, tensor));
        promoted[constant.Index] = parameter.Index;
        values[tensor] = parameter;
        return parameter;
    }

    private void ApplyPromotions()
    {
        if (promoted.Count == 0)
        {
            return;
        }

        var constantMap = new int[trace.Constants.Count];
        var kept = new List<Tensor>();
        for (int i = 0; i < constantMap.Length; i++)
        {
            constantMap[i] = promoted.ContainsKey(i) ? -1 : kept.Count;
            if (constantMap[i] >= 0)
            {
                kept.Add(trace.Constants[i]);
            }
        }

        ValueRef Map(ValueRef r) => r.Kind != ValueKind.Constant ? r
            : promoted.TryGetValue(r.Index, out int p) ? ValueRef.Parameter(p) : ValueRef.Constant(constantMap[r.Index]);

        for (int n = 0; n < trace.Nodes.Count; n++)
        {
            var (op, inputs, type) = trace.Nodes[n];
            trace.Nodes[n] = (op, [.. inputs.Select(Map)], type);
        }

        trace.Outputs = [.. trace.Outputs.Select(Map)];
        trace.Constants.Clear();
        trace.Constants.AddRange(kept);
    }

    public bool IsAbstract => true;

    public void OnApply(Op op, ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        var refs = new ValueRef[inputs.Length];
        IReadOnlyList<int> written = op.WrittenInputs;
        for (int i = 0; i < inputs.Length; i++)
        {
            refs[i] = Resolve(inputs[i]);
            if (refs[i].Kind == ValueKind.Constant && written.Contains(i))
            {
                refs[i] = Promote(inputs[i], refs[i]);
            }
            else if (refs[i].Kind != ValueKind.Parameter && written.Contains(i))
            {
                throw new InvalidOperationException(
                    $"Graph.Trace: '{op.Name}' writes its input {i} ({inputs[i].Type}, '{inputs[i].Name ?? "unnamed"}'), which the trace holds as " +
                    "a computed value; only parameters and captured tensors (state, buffers) can be written by a traced function.");
            }
        }

        guards?.Register(output.Shape);
        values[output] = ValueRef.Node(trace.Nodes.Count);
        trace.Nodes.Add((op, refs, output.Type));
    }

    private ValueRef Resolve(Tensor tensor)
    {
        if (values.TryGetValue(tensor, out ValueRef known))
        {
            return known;
        }

        if (tensor.IsAbstract)
        {
            throw new InvalidOperationException(
                $"Graph.Trace: the traced function used a {tensor.Type} value that is derived from the trace but not by an op (a Detach()ed or " +
                "copied traced value); it has no data at trace time. Use the value itself, under Autodiff.NoGrad() if it must not be differentiated.");
        }

        ValueRef created;
        bool isState = tensor.isState;
        bool isParameter = (tensor.Name is not null && tensor.IsLeaf && tensor.RequiresGrad) || isState;
        if (isParameter)
        {
            // State is captured by reference even when unnamed: it changes between runs, so it must never be folded.
            string name = tensor.Name ?? $"state_{trace.Parameters.Count}";
            if (parameterNames.TryGetValue(name, out Tensor? other))
            {
                throw new ArgumentException(
                    $"Graph.Trace: two different parameters are named '{name}' ({other.Type} and {tensor.Type}); parameter names must be unique layer paths.");
            }

            parameterNames[name] = tensor;
            created = ValueRef.Parameter(trace.Parameters.Count);
            trace.Parameters.Add(new GraphParameter(name, tensor));
        }
        else
        {
            created = ValueRef.Constant(trace.Constants.Count);
            trace.Constants.Add(tensor);
        }

        values[tensor] = created;
        return created;
    }
}
