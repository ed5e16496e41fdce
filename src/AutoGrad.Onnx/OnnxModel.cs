using System.Globalization;
using AutoGrad.Graphs;
using AutoGrad.NN;
using AutoGrad.Tensors;
using Google.Protobuf;
using Onnx;

namespace AutoGrad.Onnx;

/// <summary>
/// An ONNX model imported into AutoGrad: a <see cref="Model"/> (call it, fine-tune it with <c>Model.Fit</c>,
/// save it) whose float initializers are trainable parameters, plus the traced <see cref="Graph"/> of the same computation
/// (print it, differentiate it, compile it, export it again).
/// </summary>
/// <remarks>
/// <para>Opsets 11–17 of the default domain and the ops PyTorch emits for MLPs, CNNs, normalisation and attention are
/// supported (see <see cref="SupportedOps"/>). Loading checks everything before returning: the file parses, every node
/// input is defined and the nodes form no cycle, initializers hold as many bytes as their shapes need, every op is
/// supported (one error lists every unsupported op and how often it occurs), and the model traces at two batch sizes.
/// Nothing fails later at run time because of the file.</para>
/// <para>Parameters: in <see cref="Graph"/> they carry their ONNX initializer names (<c>1.weight</c>); as layer state
/// (<see cref="Layer.NamedParameters"/>, checkpoints) they live under <c>initializers.</c> (<c>initializers.1.weight</c>).
/// BatchNormalization running statistics are fixed constants, not parameters.</para>
/// </remarks>
public sealed class OnnxModel : Model
{
    [NotTracked]
    private readonly OnnxProgram program;

    private OnnxModel(OnnxProgram program, Dictionary<string, Tensor> initializers, Graph graph, string source)
        : base("onnx_model")
    {
        this.program = program;
        Initializers = initializers;
        Graph = graph;
        Source = source;
    }

    /// <summary>The ONNX op types the importer supports.</summary>
    public static IReadOnlySet<string> SupportedOps => OnnxProgram.SupportedOps;

    /// <summary>The trainable float initializers by ONNX name; the same tensors the graph reads.</summary>
    public Dictionary<string, Tensor> Initializers { get; }

    /// <summary>The model traced as an AutoGrad graph (symbolic batch axis where the ONNX input has a <c>dim_param</c>).</summary>
    public Graph Graph { get; }

    /// <summary>The file (or description) the model was loaded from.</summary>
    public string Source { get; }

    /// <summary>The opset version of the default domain the model declares.</summary>
    public long Opset => program.Opset;

    /// <summary>The ONNX names of the graph inputs (initializers excluded), in order.</summary>
    public IReadOnlyList<string> InputNames => program.Inputs;

    /// <summary>The ONNX names of the graph outputs, in order.</summary>
    public IReadOnlyList<string> OutputNames => program.Outputs;

    /// <summary>Loads and checks an ONNX model file.</summary>
    /// <param name="path">The <c>.onnx</c> file.</param>
    /// <returns>The model, ready to run and train.</returns>
    /// <exception cref="InvalidDataException">The file is not a well-formed ONNX model, uses an opset outside 11–17 or unsupported
    /// ops, or does not trace; the message names the file and the problem.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static OnnxModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Load(File.ReadAllBytes(path), path);
    }

    /// <summary>Loads and checks an ONNX model from bytes; <paramref name="source"/> names it in errors.</summary>
    /// <param name="bytes">A serialized <c>ModelProto</c>.</param>
    /// <param name="source">What to call the model in error messages.</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidDataException">As for <see cref="Load(string)"/>.</exception>
    public static OnnxModel Load(byte[] bytes, string source = "ONNX model")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{source}: not a valid ONNX model (protobuf decoding failed: {e.Message}); the file may be truncated or not an ONNX file.", e);
        }

        if (model.Graph is null || model.IrVersion <= 0 || model.Graph.Node.Count == 0 || model.Graph.Output.Count == 0)
        {
            throw new InvalidDataException($"{source}: not an ONNX model: it has no IR version, no graph, no nodes or no outputs (the file may be truncated or not an ONNX file).");
        }

        long opset = model.OpsetImport.Where(o => string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset is < 11 or > 17)
        {
            throw new InvalidDataException($"{source}: the model uses opset {opset} of the default domain; AutoGrad imports opsets 11 to 17.");
        }

        GraphProto graph = model.Graph;
        CheckOps(graph, source);

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var ints = new Dictionary<string, StaticInts>(StringComparer.Ordinal);
        var initializers = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var statistics = graph.Node.Where(n => n.OpType == "BatchNormalization").SelectMany(n => n.Input.Skip(3).Take(2)).ToHashSet(StringComparer.Ordinal);
        foreach (TensorProto init in graph.Initializer)
        {
            if (OnnxTensors.IsInteger(init.DataType))
            {
                ints[init.Name] = OnnxTensors.ToInts(init, source);
                continue;
            }

            Tensor value = OnnxTensors.ToTensor(init, source);
            if (!statistics.Contains(init.Name))
            {
                value = value.RequireGrad();
                value.Name = init.Name;
                initializers[init.Name] = value;
            }

            tensors[init.Name] = value;
        }

        var defined = new HashSet<string>(tensors.Keys.Concat(ints.Keys), StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !defined.Contains(i.Name)).ToList();
        var symbols = new Dictionary<string, Dim>(StringComparer.Ordinal);
        var specs = inputs.Select(i => Spec(i, source, symbols)).ToArray();
        defined.UnionWith(inputs.Select(i => i.Name));
        List<NodeProto> order = TopologicalOrder(graph, defined, source);
        var program = new OnnxProgram(opset, order, [.. inputs.Select(i => i.Name)], [.. graph.Output.Select(o => o.Name)], tensors, ints, source);

        Graph traced;
        try
        {
            traced = Graph.Trace(xs => program.Run(xs), specs);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new InvalidDataException($"{source}: the model cannot be traced: {e.Message}", e);
        }

        return new OnnxModel(program, initializers, traced, source);
    }

    /// <summary>Runs the model eagerly on one tensor per ONNX input (recorded on the tape when gradients are on).</summary>
    /// <param name="inputs">The inputs, in <see cref="InputNames"/> order.</param>
    /// <returns>One tensor per output.</returns>
    public Tensor[] Run(params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != program.Inputs.Count)
        {
            throw new ArgumentException($"{Source}: the model takes {program.Inputs.Count} input(s) ({string.Join(", ", program.Inputs)}) but {inputs.Length} were given.", nameof(inputs));
        }

        return program.Run(inputs);
    }

    /// <summary>The first output for a single-input model (what <see cref="Layer.Call"/> and <c>Model.Fit</c> use).</summary>
    /// <param name="input">The model's only input.</param>
    /// <returns>The model's first output.</returns>
    public override Tensor Forward(Tensor input) => Run(input)[0];

    private static void CheckOps(GraphProto graph, string source)
    {
        var unsupported = graph.Node.Where(n => !OnnxProgram.SupportedOps.Contains(n.OpType) || (n.Domain.Length > 0 && n.Domain != "ai.onnx"))
            .GroupBy(n => n.Domain.Length > 0 && n.Domain != "ai.onnx" ? n.Domain + "." + n.OpType : n.OpType)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} ×{OnnxProgram.Count(g.Count())}")
            .ToList();
        var variants = graph.Node.Where(n => OnnxProgram.SupportedOps.Contains(n.OpType))
            .Select(n => (n, why: OnnxProgram.Unsupported(n)))
            .Where(p => p.why is not null)
            .Select(p => $"{p.n.OpType} node '{p.n.Name}' ({p.why})")
            .ToList();
        if (unsupported.Count > 0 || variants.Count > 0)
        {
            var parts = new List<string>();
            if (unsupported.Count > 0)
            {
                parts.Add("unsupported ops: " + string.Join(", ", unsupported));
            }

            if (variants.Count > 0)
            {
                parts.Add("unsupported attributes: " + string.Join("; ", variants));
            }

            throw new InvalidDataException($"{source}: the model cannot be imported; {string.Join(". ", parts)}. Supported ops: {string.Join(", ", OnnxProgram.SupportedOps)}.");
        }
    }

    private static List<NodeProto> TopologicalOrder(GraphProto graph, HashSet<string> defined, string source)
    {
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (NodeProto node in graph.Node)
        {
            foreach (string output in node.Output.Where(o => o.Length > 0))
            {
                if (defined.Contains(output) || !producers.TryAdd(output, node))
                {
                    throw new InvalidDataException($"{source}: value '{output}' is defined more than once (node '{node.Name}').");
                }
            }
        }

        foreach (NodeProto node in graph.Node)
        {
            foreach (string input in node.Input.Where(i => i.Length > 0))
            {
                if (!defined.Contains(input) && !producers.ContainsKey(input))
                {
                    throw new InvalidDataException($"{source}: node '{node.Name}' ({node.OpType}) reads '{input}', which no input, initializer or node defines.");
                }
            }
        }

        // Kahn's algorithm in file order: the nodes that remain unscheduled lie on a cycle.
        var order = new List<NodeProto>();
        var available = new HashSet<string>(defined, StringComparer.Ordinal);
        var pending = graph.Node.ToList();
        bool progress = true;
        while (pending.Count > 0 && progress)
        {
            progress = false;
            for (int i = 0; i < pending.Count; i++)
            {
                if (pending[i].Input.All(n => n.Length == 0 || available.Contains(n)))
                {
                    order.Add(pending[i]);
                    available.UnionWith(pending[i].Output);
                    pending.RemoveAt(i--);
                    progress = true;
                }
            }
        }

        if (pending.Count > 0)
        {
            throw new InvalidDataException(
                $"{source}: the graph has a cycle through node(s) {string.Join(", ", pending.Select(n => $"'{n.Name}' ({n.OpType})"))}.");
        }

        foreach (ValueInfoProto output in graph.Output)
        {
            if (!available.Contains(output.Name))
            {
                throw new InvalidDataException($"{source}: graph output '{output.Name}' is not defined by any node, input or initializer.");
            }
        }

        return order;
    }

    /// <summary>An ONNX dim_param as a <see cref="Dim.Named"/> name: invalid characters become '_', a leading non-letter
    /// gets a 'd' in front, and a name already taken by another dim_param gets a numeric suffix.</summary>
    private static string DimensionName(string dimParam, IEnumerable<Dim> taken)
    {
        var text = new System.Text.StringBuilder(dimParam.Length + 1);
        foreach (char c in dimParam)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        string name = text.Length > 0 && char.IsAsciiLetter(text[0]) ? text.ToString() : "d" + text;
        name = name == Dim.BatchName ? "B_" : name;
        var used = taken.SelectMany(t => t.Symbols).ToHashSet(StringComparer.Ordinal);
        string unique = name;
        for (int i = 2; used.Contains(unique); i++)
        {
            unique = name + "_" + i.ToString(CultureInfo.InvariantCulture);
        }

        return unique;
    }

    private static TensorSpec Spec(ValueInfoProto input, string source, Dictionary<string, Dim> symbols)
    {
        var type = input.Type?.TensorType
            ?? throw new InvalidDataException($"{source}: input '{input.Name}' is not a tensor.");
        DType dtype = type.ElemType switch
        {
            (int)TensorProto.Types.DataType.Float => DType.Float32,
            (int)TensorProto.Types.DataType.Double => DType.Float64,
            _ => throw new InvalidDataException($"{source}: input '{input.Name}' has element type {OnnxTensors.TypeName(type.ElemType)}; only float and double inputs are supported."),
        };
        if (type.Shape is null)
        {
            throw new InvalidDataException($"{source}: input '{input.Name}' has no shape; AutoGrad needs every input's rank.");
        }

        var dims = new List<Dim>();
        for (int axis = 0; axis < type.Shape.Dim.Count; axis++)
        {
            var d = type.Shape.Dim[axis];
            if (d.HasDimValue && d.DimValue > 0)
            {
                dims.Add(Dim.Fixed((int)d.DimValue));
                continue;
            }

            // The first symbolic name on a first axis is the batch B; every other name (a sequence length, "unk__3") is a
            // named dimension of its own, shared by every input that uses it. An unnamed one gets a name of its own.
            // (An unnamed first axis is taken for the batch, as exporters leave the batch unnamed more than anything else.)
            bool unnamed = !d.HasDimParam || d.DimParam.Length == 0;
            if (unnamed && axis == 0)
            {
                symbols.TryAdd("?", Dim.B);
                dims.Add(Dim.B);
                continue;
            }

            string name = unnamed ? $"{input.Name}_{axis}" : d.DimParam;
            if (!symbols.TryGetValue(name, out Dim symbol))
            {
                symbol = axis == 0 && !symbols.ContainsValue(Dim.B) ? Dim.B : Dim.Named(DimensionName(name, symbols.Values));
                symbols[name] = symbol;
            }

            dims.Add(symbol);
        }

        return new TensorSpec(dims, dtype);
    }
}
