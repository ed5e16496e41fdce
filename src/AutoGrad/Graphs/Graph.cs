using System.Collections.Immutable;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs;

/// <summary>
/// An immutable computation graph: typed inputs (placeholders whose axes may be the symbolic batch size <c>B</c>), named
/// parameters and constants captured by reference, nodes in topological order that apply the same <see cref="Op"/>
/// objects as eager mode, and outputs.
/// </summary>
/// <remarks>
/// Build one with <see cref="Trace(Func{Tensor, Tensor}, TensorSpec)"/> or <see cref="FromTape"/>; look at it with
/// <see cref="ToString"/>, <see cref="ToDot"/>, <see cref="ToMermaid"/> and <see cref="Summary"/>; differentiate it with
/// <see cref="Gradient(int, int[], string[], bool)"/>; optimize it with <see cref="Optimize"/>; run it with
/// <see cref="Run"/> or, many times and fast, through <see cref="Compile"/>.
/// </remarks>
public sealed partial class Graph
{
    // Whether an input uses a named dimension; without one, sizes are found without allocating (compiled steps do it per call).
    private readonly bool hasNamedInputs;

    internal Graph(ImmutableArray<GraphInput> inputs, ImmutableArray<GraphParameter> parameters, ImmutableArray<GraphConstant> constants,
        ImmutableArray<GraphNode> nodes, ImmutableArray<ValueRef> outputs, ImmutableArray<string?> outputNames = default)
    {
        if (!outputNames.IsDefault && outputNames.Length != outputs.Length)
        {
            throw new ArgumentException($"Graph: {outputNames.Length} output names for {outputs.Length} outputs.");
        }

        OutputNames = outputNames.IsDefault ? [.. Enumerable.Repeat<string?>(null, outputs.Length)] : outputNames;
        Inputs = inputs;
        hasNamedInputs = inputs.Any(i => i.Type.HasNamed);
        Parameters = parameters;
        Constants = constants;
        Nodes = nodes;
        Outputs = outputs;
        for (int n = 0; n < nodes.Length; n++)
        {
            foreach (ValueRef input in nodes[n].Inputs)
            {
                CheckRef(input, n, $"node {n} ({nodes[n].Op.Name})");
            }
        }

        foreach (ValueRef output in outputs)
        {
            CheckRef(output, nodes.Length, "an output");
        }
    }

    /// <summary>The placeholders, in the order <see cref="Run"/> takes their values.</summary>
    public ImmutableArray<GraphInput> Inputs { get; }

    /// <summary>Named tensors captured by reference, in order of first use.</summary>
    public ImmutableArray<GraphParameter> Parameters { get; }

    /// <summary>Unnamed captured tensors, in order of first use.</summary>
    public ImmutableArray<GraphConstant> Constants { get; }

    /// <summary>The operations, in topological order (every node reads only earlier nodes).</summary>
    public ImmutableArray<GraphNode> Nodes { get; }

    /// <summary>The results, in order.</summary>
    public ImmutableArray<ValueRef> Outputs { get; }

    /// <summary>
    /// A name per output, or null where it has none. <see cref="Gradient"/> names its gradient outputs
    /// <c>grad:dense.kernel</c> (by parameter) and <c>grad:input0</c> (by input); they are printed as <c>name=value</c>.
    /// </summary>
    public ImmutableArray<string?> OutputNames { get; }

    /// <summary>The same graph with these output names.</summary>
    internal Graph WithOutputNames(ImmutableArray<string?> names) => new(Inputs, Parameters, Constants, Nodes, Outputs, names);

    /// <summary>Whether some input has a batch axis, so the graph runs at any batch size.</summary>
    public bool IsSymbolic => Inputs.Any(i => i.Type.IsSymbolic);

    /// <summary>The type of a value.</summary>
    public TensorSpec TypeOf(ValueRef value) => value.Kind switch
    {
        ValueKind.Input => Inputs[value.Index].Type,
        ValueKind.Parameter => Parameters[value.Index].Type,
        ValueKind.Constant => Constants[value.Index].Type,
        _ => Nodes[value.Index].Type,
    };

    /// <summary>The index of the parameter with this name.</summary>
    /// <exception cref="ArgumentException">No parameter has this name; the message lists the names there are.</exception>
    public int ParameterIndex(string name)
    {
        for (int i = 0; i < Parameters.Length; i++)
        {
            if (Parameters[i].Name == name)
            {
                return i;
            }
        }

        throw new ArgumentException(
            $"The graph has no parameter named '{name}'; its parameters are: {(Parameters.Length == 0 ? "(none)" : string.Join(", ", Parameters.Select(p => p.Name)))}.");
    }

    /// <summary>
    /// Runs the graph node by node (an interpreter: every node allocates its result). Parameters are read at their current
    /// values. Inside <see cref="Trace(Func{Tensor, Tensor}, TensorSpec)"/> the call is inlined (its nodes become part of
    /// the trace), and when an input requires grad the call is recorded so it can be differentiated. For repeated runs
    /// use <see cref="Compile"/>.
    /// </summary>
    /// <param name="inputs">One tensor per input, matching its type; the batch size is read from the <c>B</c> axes.</param>
    /// <returns>One tensor per output.</returns>
    /// <exception cref="ArgumentException">Wrong number of inputs, or an input of the wrong dtype, rank or extent; the message names the input and both types.</exception>
    public Tensor[] Run(params Tensor[] inputs)
    {
        DimBindings sizes = InferSizes(inputs, "Graph.Run");
        return Evaluate(inputs, sizes, record: RecordsCalls(inputs));
    }

    /// <summary>
    /// Whether a call should go through the op dispatcher node by node: inside a trace (so the graph is inlined into the
    /// trace instead of being baked in as a constant) or when an input requires grad (so the call can be differentiated).
    /// </summary>
    internal static bool RecordsCalls(ReadOnlySpan<Tensor> inputs)
    {
        if (Ops.OpDispatcher.Observer is not null)
        {
            return true;
        }

        if (!Differentiation.GradMode.IsEnabled)
        {
            return false;
        }

        foreach (Tensor input in inputs)
        {
            if (input.RequiresGrad)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The batch size the inputs share (the graph's inputs use no named dimension), without allocating.</summary>
    private int InferBatch(ReadOnlySpan<Tensor> inputs, string caller)
    {
        int batch = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            TensorSpec spec = Inputs[i].Type;
            int b = spec.MatchBatch(inputs[i].Type);
            if (b < 0 || (b > 0 && batch > 0 && b != batch))
            {
                string why = b < 0 ? "the types do not match" : $"its batch size {b} differs from the batch size {batch} of an earlier input";
                throw new ArgumentException($"{caller}: input {i} has type {inputs[i].Type} but the graph expects {spec}: {why}.");
            }

            batch = Math.Max(batch, b);
        }

        return batch == 0 ? 1 : batch;
    }

    /// <summary>The named dimensions of the inputs (<see cref="Dim.Named"/>), in name order.</summary>
    public IReadOnlyList<string> NamedDimensions =>
        [.. Inputs.SelectMany(i => i.Type.Dims).SelectMany(d => d.Symbols).Where(s => s != Dim.BatchName).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Batch size <paramref name="batch"/> and every named dimension of size 1 (where summaries count per element).</summary>
    internal DimBindings UnitSizes(int batch)
    {
        var sizes = new DimBindings(batch);
        foreach (string name in NamedDimensions)
        {
            sizes = sizes.With(name, 1);
        }

        return sizes;
    }

    /// <summary>Finds the sizes (batch and named dimensions) the inputs share, checking each input against its type; the
    /// batch size is 1 when no input has a batch axis.</summary>
    internal DimBindings InferSizes(ReadOnlySpan<Tensor> inputs, string caller)
    {
        if (inputs.Length != Inputs.Length)
        {
            throw new ArgumentException($"{caller}: the graph takes {Inputs.Length} input(s) ({string.Join(", ", Inputs.Select(i => i.Type))}) but {inputs.Length} were given.");
        }

        return hasNamedInputs ? InferNamedSizes(inputs, caller) : InferBatch(inputs, caller);
    }

    // Apart from InferSizes: its lambdas' closure would be allocated on every call, named dimensions or not.
    private DimBindings InferNamedSizes(ReadOnlySpan<Tensor> inputs, string caller)
    {
        var sizes = new Dictionary<string, int>();
        for (int i = 0; i < inputs.Length; i++)
        {
            TensorSpec spec = Inputs[i].Type;
            if (!spec.Match(inputs[i].Type, sizes))
            {
                var alone = new Dictionary<string, int>();
                string why = "the types do not match";
                if (spec.Match(inputs[i].Type, alone))
                {
                    string symbol = alone.Keys.First(k => sizes.TryGetValue(k, out int known) && known != alone[k]);
                    why = symbol == Dim.BatchName
                        ? $"its batch size {alone[symbol]} differs from the batch size {sizes[symbol]} of an earlier input"
                        : $"its size {alone[symbol]} of '{symbol}' differs from the size {sizes[symbol]} of an earlier input";
                }

                throw new ArgumentException($"{caller}: input {i} has type {inputs[i].Type} but the graph expects {spec}: {why}.");
            }
        }

        var bindings = new DimBindings(sizes.GetValueOrDefault(Dim.BatchName, 1));
        foreach (var (symbol, size) in sizes)
        {
            bindings = symbol == Dim.BatchName ? bindings : bindings.With(symbol, size);
        }

        return bindings;
    }

    /// <summary>Runs every node on the given inputs; with <paramref name="record"/> each node goes through the op dispatcher
    /// (recorded on the tape and seen by a tracer), which is how gradient graphs are built.</summary>
    internal Tensor[] Evaluate(IReadOnlyList<Tensor> inputs, DimBindings sizes, bool record)
    {
        GraphInstance instance = GraphInstance.Create(this, sizes);
        var values = new Tensor[Nodes.Length];
        Tensor Read(ValueRef r) => r.Kind switch
        {
            ValueKind.Input => inputs[r.Index],
            ValueKind.Parameter => Parameters[r.Index].Value,
            ValueKind.Constant => instance.Constants[r.Index],
            _ => values[r.Index],
        };

        for (int n = 0; n < Nodes.Length; n++)
        {
            GraphNode node = Nodes[n];
            var args = new Tensor[node.Inputs.Length];
            for (int i = 0; i < args.Length; i++)
            {
                args[i] = Read(node.Inputs[i]);
            }

            Op op = instance.Ops[n];
            Tensor result;
            if (record)
            {
                result = op.Apply(args);
            }
            else
            {
                result = new Tensor(instance.Types[n]);
                op.Forward(args, result);
            }

            values[n] = result;
        }

        var outputs = new Tensor[Outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            outputs[i] = Read(Outputs[i]);
        }

        return outputs;
    }

    private void CheckRef(ValueRef value, int nodeLimit, string where)
    {
        int count = value.Kind switch
        {
            ValueKind.Input => Inputs.Length,
            ValueKind.Parameter => Parameters.Length,
            ValueKind.Constant => Constants.Length,
            _ => nodeLimit,
        };
        if ((uint)value.Index >= (uint)count)
        {
            throw new ArgumentException($"Graph: {where} reads {value.Kind} {value.Index}, which does not exist or is not defined before it (only {count} are).");
        }
    }
}

public sealed partial class Graph
{
    /// <summary>The graph after the standard passes (<see cref="Passes.GraphPasses.Optimize(Graph)"/>).</summary>
    public Graph Optimize() => Passes.GraphPasses.Optimize(this);

    /// <summary>
    /// An executable for repeated runs: the optimized graph (unless <paramref name="optimize"/> is false) with its buffers
    /// planned and allocated once per batch size, then reused on every call. Optimizing for execution also fuses a large,
    /// cheap per-example value with the one node reading it, a few examples at a time (<c>chunk_fused</c>, see
    /// <see cref="Passes.ChunkFusion"/>): a choice of how to run the graph, so <see cref="Optimize"/>, which export reads,
    /// leaves it out, and <see cref="Compilation.CompiledGraph.Graph"/> shows it.
    /// </summary>
    public Compilation.CompiledGraph Compile(bool optimize = true) => new(optimize ? Passes.ChunkFusion.Run(Optimize()) : this);
}
