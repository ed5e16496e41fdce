using AutoGrad.Tensors;

namespace AutoGrad.NN.Functional;

/// <summary>
/// A model defined by a graph of layer calls on symbolic tensors (Keras' functional API, <c>keras.Model(inputs, outputs)</c>):
/// several inputs and outputs, shared layers, residual and multi-branch connections.
/// </summary>
/// <remarks>
/// <code>
/// var image = Input.Of(784, name: "image");
/// var h = new Dense(128, "relu").Call(image);
/// var digit = new Dense(10, name: "digit").Call(h);
/// var parity = new Dense(1, name: "parity").Call(h);
/// var model = new FunctionalModel([image], [digit, parity]);
/// </code>
/// <para>The model holds each distinct layer once, in the order the graph first uses them, named per model like
/// <see cref="Sequential"/> (<c>dense</c>, <c>dense_1</c>), so its parameters are <c>dense.kernel</c>, … A layer called twice is
/// one layer with one set of weights; its gradient sums both uses. The layers were built when they were called on the
/// symbolic inputs, so the model is ready to save, trace or summarize at once.</para>
/// <para>Calling the model runs the nodes in topological order. Inputs are matched by position (<see cref="InputNames"/>
/// order) and checked against their <see cref="Input"/>'s example shape; outputs come back in <see cref="OutputNames"/>
/// order: an output is named after the layer that produced it (its key in the model), an input passed through after the input.</para>
/// </remarks>
public class FunctionalModel : Model, IKeyedLayers
{
    [NotTracked]
    private readonly SymbolicTensor[] inputs;

    [NotTracked]
    private readonly SymbolicTensor[] outputs;

    [NotTracked]
    private readonly string[] inputNames;

    /// <summary>Every layer call, in topological order (inputs before their uses; ties in the order outputs and inputs were given).</summary>
    [NotTracked]
    private readonly FunctionalNode[] nodes;

    [NotTracked]
    private readonly List<Layer> layers;

    /// <summary>A model of one input and one output.</summary>
    /// <param name="input">The symbolic input, from <see cref="Input.Of(int, string?, DType)"/>.</param>
    /// <param name="output">A symbolic tensor computed from <paramref name="input"/>.</param>
    /// <param name="name">The model's name; <c>functional</c> when null.</param>
    /// <exception cref="ArgumentException">See the list overload.</exception>
    public FunctionalModel(SymbolicTensor input, SymbolicTensor output, string? name = null)
        : this([input], [output], name)
    {
    }

    /// <summary>A model from its symbolic inputs to its symbolic outputs.</summary>
    /// <param name="inputs">The inputs, each from <see cref="Input.Of(int, string?, DType)"/>, in the order the model takes them.</param>
    /// <param name="outputs">The outputs, computed from those inputs by layer calls, in the order the model returns them.</param>
    /// <param name="name">The model's name; <c>functional</c> when null.</param>
    /// <exception cref="ArgumentException">No inputs or outputs; an input is a layer's output rather than an <see cref="Input"/>;
    /// an input is given twice or two inputs share a name; or an output depends on an <see cref="Input"/> that is not among
    /// <paramref name="inputs"/> (the message names it).</exception>
    public FunctionalModel(IReadOnlyList<SymbolicTensor> inputs, IReadOnlyList<SymbolicTensor> outputs, string? name = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputs.Count == 0 || outputs.Count == 0)
        {
            throw new ArgumentException($"FunctionalModel: a model needs at least one input and one output; got {inputs.Count} input(s) and {outputs.Count} output(s).");
        }

        this.inputs = [.. inputs];
        this.outputs = [.. outputs];
        for (int i = 0; i < this.inputs.Length; i++)
        {
            var input = this.inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"FunctionalModel: input {i} is null.");
            if (!input.IsInput)
            {
                throw new ArgumentException(
                    $"FunctionalModel: input {i} is the output of layer '{input.Layer!.Name}', not an Input; a model's inputs must come from Input.Of(...).", nameof(inputs));
            }

            if (Array.FindIndex(this.inputs, 0, i, other => ReferenceEquals(other, input)) >= 0)
            {
                throw new ArgumentException($"FunctionalModel: input {i} ({input}) is given twice.", nameof(inputs));
            }
        }

        inputNames = NameInputs(this.inputs);
        nodes = Sort(this.inputs, this.outputs, inputNames);
        layers = [];
        foreach (var node in nodes)
        {
            if (ReferenceEquals(node.Layer, this))
            {
                throw new ArgumentException("FunctionalModel: a model cannot contain itself.");
            }

            if (!layers.Any(l => ReferenceEquals(l, node.Layer)))
            {
                layers.Add(node.Layer);
            }
        }

        InvalidateStructure();
    }

    /// <summary>The distinct layers, in the order the graph first uses them (each once, however often it is called).</summary>
    public IReadOnlyList<Layer> Layers => layers;

    /// <summary>The symbolic inputs, in order.</summary>
    public IReadOnlyList<SymbolicTensor> Inputs => inputs;

    /// <summary>The symbolic outputs, in order.</summary>
    public IReadOnlyList<SymbolicTensor> Outputs => outputs;

    /// <summary>The inputs' names, in order: given to <see cref="Input.Of(int, string?, DType)"/>, else <c>input</c>, <c>input_1</c>, …
    /// They key the dictionaries <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c> take and name inputs in errors.</summary>
    public IReadOnlyList<string> InputNames => inputNames;

    /// <summary>
    /// The outputs' names, in order: the key of the layer that produced each (<c>digit</c>, <c>dense_1</c>), or the input's
    /// name for an input passed through. They key per-output losses, weights, metrics and targets, and prefix per-output
    /// logs (<c>digit_loss</c>, <c>digit_accuracy</c>).
    /// </summary>
    public IReadOnlyList<string> OutputNames
    {
        get
        {
            // Derived from the layers' current keys, so renaming a layer renames its output as it renames its weights.
            var keys = KeyedLayers();
            var names = outputs.Select(o => o.Node is { } node
                ? keys.First(k => ReferenceEquals(k.Value, node.Layer)).Key + (node.Outputs.Length > 1 ? $"_{o.OutputIndex}" : string.Empty)
                : inputNames[Array.FindIndex(inputs, i => ReferenceEquals(i, o))]).ToList();
            return Unique(names);
        }
    }

    /// <inheritdoc/>
    internal override IReadOnlyList<string> InputKeys => InputNames;

    /// <inheritdoc/>
    internal override IReadOnlyList<string> OutputKeys => OutputNames;

    /// <summary>The layer calls in topological order; for the summary.</summary>
    internal IReadOnlyList<FunctionalNode> Nodes => nodes;

    /// <inheritdoc/>
    protected override string DefaultName => "functional";

    /// <summary>
    /// Runs the model on one tensor per input (in <see cref="InputNames"/> order) and returns every output (in
    /// <see cref="OutputNames"/> order), recording gradients like any call.
    /// </summary>
    /// <exception cref="ArgumentException">The number of tensors differs from the number of inputs, or a tensor's shape does not fit
    /// its input (the message names the input and both shapes).</exception>
    public Tensor[] CallAll(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return CallCore(inputs);
    }

    /// <summary>The forward pass of a model with one input and one output; <see cref="CallAll"/> runs any model.</summary>
    /// <exception cref="ArgumentException">The model has several inputs or outputs, or the shape does not fit the input.</exception>
    public override Tensor Forward(Tensor input)
    {
        Tensor[] results = ForwardAll([input]);
        return results.Length == 1
            ? results[0]
            : throw new ArgumentException($"FunctionalModel '{Name}' has {results.Length} outputs ({string.Join(", ", OutputNames)}); call CallAll (or Predict with an array of inputs) to get all of them.");
    }

    /// <inheritdoc/>
    internal override Tensor[] ForwardAll(IReadOnlyList<Tensor> values)
    {
        RequireInputs(values);
        var computed = new Dictionary<SymbolicTensor, Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Length; i++)
        {
            computed[inputs[i]] = values[i];
        }

        foreach (var node in nodes)
        {
            Tensor[] results = node.Layer.CallCore([.. node.Inputs.Select(s => computed[s])]);
            if (results.Length != node.Outputs.Length)
            {
                throw new InvalidOperationException(
                    $"FunctionalModel '{Name}': layer '{node.Layer.Name}' returned {results.Length} outputs but returned {node.Outputs.Length} when the model was built.");
            }

            for (int i = 0; i < results.Length; i++)
            {
                computed[node.Outputs[i]] = results[i];
            }
        }

        return [.. outputs.Select(o => computed[o])];
    }

    /// <inheritdoc/>
    IReadOnlyList<KeyValuePair<string, Layer>> IKeyedLayers.KeyedLayers() => KeyedLayers();

    /// <inheritdoc/>
    /// <remarks>The graph's nodes hold the layers themselves, so a slot cannot be swapped for another layer.</remarks>
    Action<object>? IKeyedLayers.Replacer(int index) => null;

    /// <summary>The layers with their per-model keys (<c>dense</c>, <c>dense_1</c>, …).</summary>
    internal IReadOnlyList<KeyValuePair<string, Layer>> KeyedLayers() => IKeyedLayers.Keys(layers);

    private void RequireInputs(IReadOnlyList<Tensor> values)
    {
        if (values.Count != inputs.Length)
        {
            throw new ArgumentException(
                $"FunctionalModel '{Name}' takes {inputs.Length} input(s) ({Describe()}); it was called with {values.Count}.");
        }

        for (int i = 0; i < inputs.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(values[i], $"input '{inputNames[i]}'");
            Shape expected = inputs[i].ExampleShape, actual = values[i].Shape;
            bool fits = actual.Rank == expected.Rank + 1;
            for (int d = 0; fits && d < expected.Rank; d++)
            {
                fits = actual[d + 1] == expected[d];
            }

            if (!fits)
            {
                throw new ArgumentException(
                    $"FunctionalModel '{Name}': input '{inputNames[i]}' expects shape {SymbolicTensor.ShapeText(expected)} (any batch size), but was given {actual}.");
            }
        }
    }

    private string Describe() =>
        string.Join(", ", inputs.Select((s, i) => $"'{inputNames[i]}' {SymbolicTensor.ShapeText(s.ExampleShape)}"));

    /// <summary>Explicit names are kept; unnamed inputs get <c>input</c>, <c>input_1</c>, … skipping names in use.</summary>
    private static string[] NameInputs(SymbolicTensor[] inputs)
    {
        var names = new string[inputs.Length];
        var taken = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].InputName is { } given)
            {
                names[i] = taken.Add(given) ? given : throw new ArgumentException($"FunctionalModel: two inputs are named '{given}'; input names must be unique.", nameof(inputs));
            }
        }

        int next = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (names[i] is null)
            {
                string candidate;
                do
                {
                    candidate = next == 0 ? "input" : $"input_{next}";
                    next++;
                }
                while (!taken.Add(candidate));
                names[i] = candidate;
            }
        }

        return names;
    }

    private static List<string> Unique(List<string> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            string baseName = names[i];
            for (int n = 1; !seen.Add(names[i]); n++)
            {
                names[i] = $"{baseName}_{n}";
            }
        }

        return names;
    }

    /// <summary>
    /// The nodes the outputs depend on, in topological order, by an iterative depth-first walk from the outputs (inputs
    /// of a node in call order), so the order is deterministic and deep graphs cannot overflow the stack.
    /// </summary>
    private static FunctionalNode[] Sort(SymbolicTensor[] inputs, SymbolicTensor[] outputs, string[] inputNames)
    {
        var order = new List<FunctionalNode>();
        var done = new HashSet<FunctionalNode>(ReferenceEqualityComparer.Instance);
        var onPath = new HashSet<FunctionalNode>(ReferenceEqualityComparer.Instance);
        for (int o = 0; o < outputs.Length; o++)
        {
            var output = outputs[o] ?? throw new ArgumentNullException(nameof(outputs), $"FunctionalModel: output {o} is null.");
            var stack = new Stack<(SymbolicTensor Tensor, int Next)>();
            stack.Push((output, 0));
            while (stack.Count > 0)
            {
                var (tensor, next) = stack.Pop();
                if (tensor.Node is not { } node)
                {
                    if (!inputs.Any(i => ReferenceEquals(i, tensor)))
                    {
                        throw new ArgumentException(
                            $"FunctionalModel: output {o} depends on {tensor}, which is not among the model's inputs " +
                            $"({string.Join(", ", inputNames.Select((n, i) => $"'{n}' {SymbolicTensor.ShapeText(inputs[i].ExampleShape)}"))}); " +
                            "pass every Input the outputs are computed from.", nameof(outputs));
                    }

                    continue;
                }

                if (done.Contains(node))
                {
                    continue;
                }

                onPath.Add(node);
                if (next < node.Inputs.Length)
                {
                    stack.Push((tensor, next + 1));
                    stack.Push((node.Inputs[next], 0));
                }
                else
                {
                    onPath.Remove(node);
                    done.Add(node);
                    order.Add(node);
                }
            }
        }

        return [.. order];
    }
}
