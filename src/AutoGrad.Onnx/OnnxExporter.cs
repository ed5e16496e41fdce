using System.Collections;
using System.Globalization;
using AutoGrad.Graphs;
using AutoGrad.Ops;
using AutoGrad.Tensors;
using Google.Protobuf;
using Onnx;
using static AutoGrad.Onnx.OnnxBuilder;

namespace AutoGrad.Onnx;

/// <summary>
/// Translates an AutoGrad <see cref="Graph"/> into an opset-17 ONNX model that uses standard <c>ai.onnx</c> ops only.
/// Ops are matched by their printed name (<see cref="Op.Name"/>) and read through their public
/// <see cref="Op.Attributes"/>, so the exporter depends on the op catalog's contract, not on its classes.
/// </summary>
internal sealed partial class OnnxExporter
{
    /// <summary>The opset every exported model declares.</summary>
    public const int Opset = 17;

    /// <summary>Every AutoGrad op name the exporter translates, with the ONNX op(s) it becomes (for docs and tests).</summary>
    public static readonly IReadOnlyDictionary<string, string> OpTable = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["abs"] = "Abs", ["add"] = "Add", ["sub"] = "Sub", ["mul"] = "Mul", ["div"] = "Div", ["pow"] = "Pow", ["neg"] = "Neg",
        ["exp"] = "Exp", ["log"] = "Log", ["sqrt"] = "Sqrt", ["rsqrt"] = "Reciprocal(Sqrt)", ["relu"] = "Relu", ["tanh"] = "Tanh",
        ["sigmoid"] = "Sigmoid", ["softplus"] = "Softplus", ["sign"] = "Sign", ["leaky_relu"] = "LeakyRelu (float64 with a slope float32 rounds: Where(Greater, x, Mul))", ["elu"] = "Elu",
        ["clamp"] = "Clip", ["maximum"] = "Max", ["minimum"] = "Min", ["flush_subnormal"] = "Where(Less(Abs))",
        ["greater"] = "Greater", ["greater_equal"] = "GreaterOrEqual", ["less"] = "Less",
        ["less_equal"] = "Cast(LessOrEqual)", ["equal"] = "Cast(Equal)", ["not_equal"] = "Cast(Not(Equal))",
        ["where"] = "Where", ["matmul"] = "MatMul (transposed 2-D operands: Gemm; batched: Transpose + MatMul)", ["reduce_sum"] = "ReduceSum", ["reduce_max"] = "ReduceMax",
        ["reduce_min"] = "ReduceMin", ["reduce_mean"] = "ReduceMean (correction c > 0: ReduceSum / (N − c))", ["logsumexp"] = "ReduceLogSumExp", ["softmax"] = "Softmax", ["log_softmax"] = "LogSoftmax",
        ["argmax"] = "ArgMax", ["argmin"] = "ArgMin", ["cast"] = "Cast", ["reshape"] = "Reshape", ["broadcast_to"] = "Expand",
        ["permute"] = "Transpose", ["concat"] = "Concat", ["pad"] = "Pad", ["slice"] = "Slice",
        ["slice_grad"] = "Pad (step > 1: Unsqueeze, Pad, Reshape, Slice, Pad)", ["gather"] = "GatherElements",
        ["index_select"] = "Gather", ["index_add"] = "ScatterElements(reduction=add)",
        ["scatter_add"] = "ScatterElements(reduction=add)", ["one_hot"] = "OneHot (float64: float32 values + Cast)", ["conv2d"] = "Conv",
        ["conv2d_input_grad"] = "ConvTranspose", ["conv2d_filter_grad"] = "Conv (on transposed operands) + Slice + Transpose (groups = 1 only)",
        ["pad_mode"] = "Pad(mode=reflect or edge)",
        ["max_pool2d"] = "MaxPool", ["max_pool2d_grad"] = "MaxPool (indices output) + ScatterElements(reduction=add) on the flattened input",
        ["max_pool2d_indices"] = "MaxPool (when the indices only pick the values, with the gather: one plain MaxPool; otherwise indices output + Mod)", ["fused_elementwise"] = "its instructions, one op each", ["fused_epilogue"] = "its product, then its instructions, one op each",
    };

    /// <summary>Ops that exist in AutoGrad but cannot be exported, with the reason given in the error.</summary>
    public static readonly IReadOnlyDictionary<string, string> Unsupported = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["dropout_mask"] = "it draws from AutoGrad's random generator, which no ONNX op reproduces (export in evaluation mode, where dropout is the identity)",
        ["assign"] = StateWriteReason,
        ["sgd_update"] = StateWriteReason,
        ["adam_update"] = StateWriteReason,
        ["rmsprop_update"] = StateWriteReason,
        ["adagrad_update"] = StateWriteReason,
        ["nadam_update"] = NotInTrainingStepExport,
        ["pad_mode_grad"] = "no ONNX op sums a gradient back through reflect or replicate padding (export the forward graph, or use zero padding)",
        ["radam_update"] = NotInTrainingStepExport,
    };

    private const string NotInTrainingStepExport =
        "it writes optimizer state in place, and the training-step export does not decompose NAdam or RAdam (use SGD, Adam, AdamW, " +
        "RMSprop or Adagrad for a step exported with OnnxTrainingStep.Export)";

    private const string StateWriteReason =
        "it writes a state tensor in place, which a pure ONNX graph cannot; export the whole training step instead " +
        "(OnnxTrainingStep.Export or CompiledTrainingStep.ToOnnx), where the state is an input and its new value an output";

    private readonly Graph graph;
    private readonly OnnxExportOptions options;
    private readonly StepState? step;
    private readonly OnnxBuilder b;
    private readonly Dictionary<ValueRef, string> names = [];
    private readonly Dictionary<int, int> plainMaxPools = [];
    private readonly HashSet<int> absorbed = [];
    private readonly Dictionary<string, string> sizes = [];

    private OnnxExporter(Graph graph, OnnxExportOptions options, StepState? step)
    {
        this.graph = graph;
        this.options = options;
        this.step = step;
        b = new OnnxBuilder(new GraphProto { Name = options.GraphName });
    }

    /// <summary>Builds the ONNX model of <paramref name="graph"/>.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="options">Names and metadata.</param>
    /// <param name="step">For a training step: which parameters are state (inputs and outputs) and which are hyperparameters
    /// (inputs); null to export a pure graph, whose parameters become initializers and whose state writes are errors.</param>
    public static ModelProto Export(Graph graph, OnnxExportOptions options, StepState? step = null)
    {
        var exporter = new OnnxExporter(graph, options, step);
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "AutoGrad",
            ProducerVersion = typeof(Graph).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = exporter.Build(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        return model;
    }

    private GraphProto Build()
    {
        var inputNames = DefaultNames(options.InputNames, graph.Inputs.Length, "input");
        var outputNames = DefaultNames(options.OutputNames, graph.Outputs.Length, "output");
        var newStateNames = step is null ? [] : step.State.Select(i => graph.Parameters[i].Name + OnnxTrainingStep.NewSuffix).ToArray();
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in inputNames.Concat(outputNames).Concat(graph.Parameters.Select(p => p.Name)).Concat(newStateNames))
        {
            if (string.IsNullOrEmpty(name) || !distinct.Add(name))
            {
                throw new ArgumentException(
                    $"ONNX export: value name '{name}' is empty or used twice among the inputs ({string.Join(", ", inputNames)}), outputs " +
                    $"({string.Join(", ", outputNames)}) and parameters; ONNX needs unique names (rename the parameter or pass OnnxExportOptions names).");
            }

            b.Reserve(name);
        }

        for (int i = 0; i < graph.Inputs.Length; i++)
        {
            names[ValueRef.Input(i)] = inputNames[i];
            b.Graph.Input.Add(ValueInfo(inputNames[i], graph.Inputs[i].Type, options.BatchDimName));
        }

        // A training step's state and hyperparameters are inputs (state first, then hyperparameters, each in parameter
        // order); every other captured tensor is a fixed initializer.
        var fed = step is null ? [] : step.State.Concat(step.Hyperparameters).ToArray();
        foreach (int i in fed)
        {
            GraphParameter p = graph.Parameters[i];
            names[ValueRef.Parameter(i)] = p.Name;
            b.Graph.Input.Add(ValueInfo(p.Name, p.Type, options.BatchDimName));
        }

        for (int i = 0; i < graph.Parameters.Length; i++)
        {
            GraphParameter p = graph.Parameters[i];
            if (!fed.Contains(i))
            {
                names[ValueRef.Parameter(i)] = b.Initializer(p.Name, p.Value);
            }
        }

        for (int i = 0; i < graph.Constants.Length; i++)
        {
            names[ValueRef.Constant(i)] = Constant(graph.Constants[i]);
        }

        FindPlainMaxPools();
        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            GraphNode node = graph.Nodes[n];
            if (absorbed.Contains(n))
            {
                // Part of a max pooling exported as one MaxPool (below); nothing else reads it.
                names[ValueRef.Node(n)] = string.Empty;
                continue;
            }

            if (plainMaxPools.TryGetValue(n, out int pool))
            {
                names[ValueRef.Node(n)] = b.Add("MaxPool", [Name(graph.Nodes[pool].Inputs[0], n)], MaxPoolAttributes(graph.Nodes[pool].Op));
                continue;
            }

            string[] x = [.. node.Inputs.Select(r => Name(r, n))];
            if (step is not null && node.Op.Effect == OpEffect.WritesState)
            {
                // The write becomes new values; later reads of the written parameters see them, as they would in place.
                string[] written = TranslateStateWrite(node.Op, x, node, n);
                for (int k = 0; k < written.Length; k++)
                {
                    names[node.Inputs[node.Op.WrittenInputs[k]]] = written[k];
                }

                names[ValueRef.Node(n)] = string.Empty;
                continue;
            }

            names[ValueRef.Node(n)] = Translate(node.Op, x, node, n);
        }

        for (int i = 0; i < graph.Outputs.Length; i++)
        {
            var identity = new NodeProto { OpType = "Identity", Name = b.Fresh("Identity") };
            identity.Input.Add(names[graph.Outputs[i]]);
            identity.Output.Add(outputNames[i]);
            b.Graph.Node.Add(identity);
            b.Graph.Output.Add(ValueInfo(outputNames[i], graph.TypeOf(graph.Outputs[i]), options.BatchDimName));
        }

        for (int k = 0; k < newStateNames.Length; k++)
        {
            int i = step!.State[k];
            var identity = new NodeProto { OpType = "Identity", Name = b.Fresh("Identity") };
            identity.Input.Add(names[ValueRef.Parameter(i)]);
            identity.Output.Add(newStateNames[k]);
            b.Graph.Node.Add(identity);
            b.Graph.Output.Add(ValueInfo(newStateNames[k], graph.Parameters[i].Type, options.BatchDimName));
        }

        return b.Graph;
    }

    /// <summary>
    /// Finds the max poolings whose indices are used only to pick the pooled values — <c>Tensor.MaxPool2D</c>'s
    /// composition <c>reshape(gather(reshape(x, [n, c, h·w]), 2, reshape(max_pool2d_indices(x), [n, c, oh·ow])), [n, c, oh, ow])</c>
    /// with no other reader of the indices, the gather or the reshaped indices (a forward graph). Each becomes one plain
    /// <c>MaxPool</c> at the final reshape, which imports back to the same composition, so such graphs round-trip; when the
    /// indices are read elsewhere too (max-pool's gradient scatters through them) the pieces export one by one.
    /// </summary>
    private void FindPlainMaxPools()
    {
        var readers = new List<int>[graph.Nodes.Length];
        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            readers[n] = [];
        }

        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            foreach (ValueRef input in graph.Nodes[n].Inputs.Where(r => r.Kind == ValueKind.Node))
            {
                readers[input.Index].Add(n);
            }
        }

        foreach (ValueRef output in graph.Outputs.Where(r => r.Kind == ValueKind.Node))
        {
            readers[output.Index].Add(-1);
        }

        int Only(int n) => readers[n].Count == 1 ? readers[n][0] : -1;
        bool Is(int n, string op) => n >= 0 && graph.Nodes[n].Op.Name == op;
        for (int pool = 0; pool < graph.Nodes.Length; pool++)
        {
            if (!Is(pool, "max_pool2d_indices"))
            {
                continue;
            }

            int flatIndices = Only(pool);
            int gather = Is(flatIndices, "reshape") ? Only(flatIndices) : -1;
            if (!Is(gather, "gather") || Get<int>(graph.Nodes[gather].Op, "axis") != 2 || graph.Nodes[gather].Inputs[1] != ValueRef.Node(flatIndices))
            {
                continue;
            }

            ValueRef flatInput = graph.Nodes[gather].Inputs[0];
            int output = Only(gather);
            if (flatInput.Kind != ValueKind.Node || !Is(flatInput.Index, "reshape") || graph.Nodes[flatInput.Index].Inputs[0] != graph.Nodes[pool].Inputs[0]
                || !Is(output, "reshape") || !graph.Nodes[output].Type.Dims.SequenceEqual(graph.Nodes[pool].Type.Dims))
            {
                continue;
            }

            plainMaxPools[output] = pool;
            absorbed.UnionWith([pool, flatIndices, gather]);
            if (readers[flatInput.Index].Count == 1)
            {
                absorbed.Add(flatInput.Index);
            }
        }
    }

    private static AttributeProto[] MaxPoolAttributes(Op op)
    {
        int[] k = Get<int[]>(op, "kernel_size"), s = Get<int[]>(op, "stride"), p = Get<int[]>(op, "padding");
        return [Attr("kernel_shape", k.Select(v => (long)v)), Attr("strides", s.Select(v => (long)v)),
            Attr("pads", new long[] { p[0], p[1], p[0], p[1] }), Attr("ceil_mode", Get<bool>(op, "ceil_mode") ? 1 : 0)];
    }

    /// <summary>The ONNX name of <paramref name="value"/> as node <paramref name="reader"/> reads it.</summary>
    private string Name(ValueRef value, int reader)
    {
        string name = names[value];
        if (name.Length == 0)
        {
            throw new NotSupportedException(
                $"ONNX export: node {reader.ToString(CultureInfo.InvariantCulture)} reads the empty token of the state write at node " +
                $"{value.Index.ToString(CultureInfo.InvariantCulture)}, which has no ONNX counterpart.");
        }

        return name;
    }

    private static string[] DefaultNames(IReadOnlyList<string>? given, int count, string stem)
    {
        if (given is not null)
        {
            if (given.Count != count)
            {
                throw new ArgumentException($"ONNX export: {given.Count} {stem} name(s) given but the graph has {count} {stem}(s).");
            }

            return [.. given];
        }

        return count == 1 ? [stem] : [.. Enumerable.Range(0, count).Select(i => stem + "_" + i.ToString(CultureInfo.InvariantCulture))];
    }

    private string Constant(GraphConstant constant)
    {
        if (!constant.IsSymbolic)
        {
            return b.Constant(constant.Value);
        }

        // factor·unit or factor/unit (unit: B, or a product with named sizes), each size read from an input's shape at run time.
        DType dtype = constant.Value.DType;
        string bf = b.Add("Cast", [b.Extent(constant.Unit, Size)], Attr("to", ElementType(dtype)));
        if (constant.Value.Rank == 0)
        {
            bf = b.Add("Reshape", [bf, b.Int64([])]);
        }

        string factor = b.Filled(constant.Factor, dtype, constant.Value.Shape);
        return b.Add(constant.Scaling == ConstantScaling.TimesBatch ? "Mul" : "Div", [factor, bf]);
    }

    /// <summary>An int64 <c>[1]</c> tensor holding a symbol's size (<c>B</c> or a named dimension), read once from the
    /// first input with an axis that is a multiple of that symbol alone.</summary>
    private string Size(string symbol)
    {
        if (sizes.TryGetValue(symbol, out string? known))
        {
            return known;
        }

        for (int i = 0; i < graph.Inputs.Length; i++)
        {
            var dims = graph.Inputs[i].Type.Dims;
            for (int axis = 0; axis < dims.Length; axis++)
            {
                if (dims[axis].Symbols is [string only] && only == symbol)
                {
                    string extent = b.Add("Gather", [b.Add("Shape", [names[ValueRef.Input(i)]]), b.Int64([axis])], Attr("axis", 0));
                    string size = dims[axis].Value == 1 ? extent : b.Add("Div", [extent, b.Int64([dims[axis].Value])]);
                    sizes[symbol] = size;
                    return size;
                }
            }
        }

        throw new InvalidOperationException($"ONNX export: the graph has values that depend on '{symbol}' but no input with an axis that is a multiple of '{symbol}' alone.");
    }

    private string ShapeOf(IReadOnlyList<Dim> dims) => b.Shape(dims, Size);

    private string Translate(Op op, string[] x, GraphNode? node, int index)
    {
        DType dtype = node?.Type.DType ?? DType.Float32;
        return Translate(op, x, node, index, dtype);
    }

    private string Translate(Op op, string[] x, GraphNode? node, int index, DType dtype)
    {
        int to = ElementType(dtype);
        switch (op.Name)
        {
            case "add": return b.Add("Add", x);
            case "sub": return b.Add("Sub", x);
            case "mul": return b.Add("Mul", x);
            case "div": return b.Add("Div", x);
            case "pow": return b.Add("Pow", x);
            case "neg": return b.Add("Neg", x);
            case "exp": return b.Add("Exp", x);
            case "log": return b.Add("Log", x);
            case "sqrt": return b.Add("Sqrt", x);
            case "rsqrt": return b.Add("Reciprocal", [b.Add("Sqrt", x)]);
            case "abs": return b.Add("Abs", x);
            case "relu": return b.Add("Relu", x);
            case "tanh": return b.Add("Tanh", x);
            case "sigmoid": return b.Add("Sigmoid", x);
            case "softplus": return b.Add("Softplus", x);
            case "sign": return b.Add("Sign", x);
            case "maximum": return b.Add("Max", x);
            case "minimum": return b.Add("Min", x);
            case "leaky_relu":
            {
                double slope = Get<double>(op, "negative_slope");
                if (dtype == DType.Float64 && (double)(float)slope != slope)
                {
                    // LeakyRelu's alpha is a float attribute: a float64 slope such as 0.1 would be rounded to float32
                    // (a 2.5e-9 relative error). x where x > 0, slope·x elsewhere, as the kernel computes it.
                    return b.Add("Where", [b.Add("Greater", [x[0], b.Filled(0, dtype, Shape.Scalar)]), x[0], b.Add("Mul", [x[0], b.Filled(slope, dtype, Shape.Scalar)])]);
                }

                return b.Add("LeakyRelu", x, Attr("alpha", slope));
            }

            case "elu": return b.Add("Elu", x, Attr("alpha", Get<double>(op, "alpha")));
            case "clamp":
            {
                string min = TryGet(op, "min", out double lo) ? b.Filled(lo, dtype, Shape.Scalar) : string.Empty;
                string max = TryGet(op, "max", out double hi) ? b.Filled(hi, dtype, Shape.Scalar) : string.Empty;
                return b.Add("Clip", max.Length == 0 ? [x[0], min] : [x[0], min, max]);
            }

            case "flush_subnormal":
            {
                double smallest = dtype == DType.Float64 ? 2.2250738585072014E-308 : 1.17549435E-38;
                string tiny = b.Add("Less", [b.Add("Abs", x), b.Filled(smallest, dtype, Shape.Scalar)]);
                return b.Add("Where", [tiny, b.Filled(0, dtype, Shape.Scalar), x[0]]);
            }

            // Comparisons give bool in AutoGrad as in ONNX; where's condition is bool.
            case "greater": return b.Add("Greater", x);
            case "greater_equal": return b.Add("GreaterOrEqual", x);
            case "less": return b.Add("Less", x);
            case "less_equal": return b.Add("LessOrEqual", x);
            case "equal": return b.Add("Equal", x);
            case "not_equal": return b.Add("Not", [b.Add("Equal", x)]);
            case "where": return b.Add("Where", x);
            case "cast": return b.Add("Cast", x, Attr("to", to));
            case "fused_elementwise": return Fused(op, x, dtype, index, "Program", null);
            case "fused_epilogue": return Fused(op, x, dtype, index, "Steps", node);
        }

        if (node is null)
        {
            throw Error(op, index, "it is not an elementwise op and cannot appear inside a fused node");
        }

        TensorSpec In(int i) => graph.TypeOf(node.Inputs[i]);
        switch (op.Name)
        {
            case "matmul":
            {
                bool ta = TryGet(op, "transpose_a", out bool transposeA) && transposeA, tb = TryGet(op, "transpose_b", out bool transposeB) && transposeB;
                if ((ta || tb) && In(0).Rank == 2 && In(1).Rank == 2)
                {
                    // Gemm carries the transposes itself (and imports back to the same matmul).
                    return b.Add("Gemm", x, Attr("transA", ta ? 1 : 0), Attr("transB", tb ? 1 : 0));
                }

                string a = ta ? SwapLast(x[0], In(0).Rank) : x[0];
                string c = tb ? SwapLast(x[1], In(1).Rank) : x[1];
                return b.Add("MatMul", [a, c]);
            }

            case "reduce_sum":
            case "reduce_mean":
            case "reduce_max":
            case "reduce_min":
            case "logsumexp":
            {
                int[] axes = Get<int[]>(op, "axes");
                long keep = Get<bool>(op, "keep_dims") ? 1 : 0;
                if (axes.Length == 0)
                {
                    return b.Add("Identity", x);
                }

                if (op.Name == "reduce_mean")
                {
                    int correction = Get<int>(op, "correction");
                    if (correction == 0)
                    {
                        return b.Add("ReduceMean", x, Attr("axes", axes.Select(a => (long)a)), Attr("keepdims", keep));
                    }

                    // Σ / (N − c), N the number of elements each output reduces, read from the shape (it may involve B).
                    string sum = b.Add("ReduceSum", [x[0], b.Int64([.. axes.Select(a => (long)a)])], Attr("keepdims", keep));
                    string extents = b.Add("Gather", [b.Add("Shape", [x[0]]), b.Int64([.. axes.Select(a => (long)a)])], Attr("axis", 0));
                    string count = b.Add("Sub", [b.Add("ReduceProd", [extents], Attr("keepdims", 0)), b.Int64([correction], scalar: true)]);
                    return b.Add("Div", [sum, b.Add("Cast", [count], Attr("to", to))]);
                }

                if (op.Name == "reduce_sum")
                {
                    return b.Add("ReduceSum", [x[0], b.Int64([.. axes.Select(a => (long)a)])], Attr("keepdims", keep));
                }

                string onnx = op.Name switch { "reduce_max" => "ReduceMax", "reduce_min" => "ReduceMin", _ => "ReduceLogSumExp" };
                return b.Add(onnx, x, Attr("axes", axes.Select(a => (long)a)), Attr("keepdims", keep));
            }

            case "softmax": return b.Add("Softmax", x, Attr("axis", Get<int>(op, "axis")));
            case "log_softmax": return b.Add("LogSoftmax", x, Attr("axis", Get<int>(op, "axis")));
            case "argmax":
            case "argmin":
            {
                // int64 in both AutoGrad and ONNX.
                return b.Add(op.Name == "argmax" ? "ArgMax" : "ArgMin", x,
                    Attr("axis", Get<int>(op, "axis")), Attr("keepdims", Get<bool>(op, "keep_dims") ? 1 : 0));
            }

            case "reshape": return b.Add("Reshape", [x[0], ShapeOf(node.Type.Dims)]);
            case "broadcast_to": return b.Add("Expand", [x[0], ShapeOf(node.Type.Dims)]);
            case "permute": return b.Add("Transpose", x, Attr("perm", Get<int[]>(op, "axes").Select(a => (long)a)));
            case "concat": return b.Add("Concat", x, Attr("axis", Get<int>(op, "axis")));
            case "pad":
            {
                long[] pads = [.. Get<int[]>(op, "before").Select(v => (long)v), .. Get<int[]>(op, "after").Select(v => (long)v)];
                return b.Add("Pad", [x[0], b.Int64(pads), b.Filled(Get<double>(op, "value"), dtype, Shape.Scalar)]);
            }

            case "slice":
                return b.Add("Slice", [x[0], b.Int64([Get<int>(op, "start")]), b.Int64([Get<int>(op, "stop")]),
                    b.Int64([Get<int>(op, "axis")]), b.Int64([Get<int>(op, "step")])]);
            case "slice_grad": return SliceGrad(op, x[0], In(0));
            case "gather": return b.Add("GatherElements", [x[0], ToInt64(x[1])], Attr("axis", Get<int>(op, "axis")));
            case "index_select": return b.Add("Gather", [x[0], ToInt64(x[1])], Attr("axis", Get<int>(op, "axis")));
            case "index_add":
            {
                // out[…, index[k], …] += source[…, k, …]: the 1-D indices are laid along the axis and expanded to the source's shape.
                int axis = Get<int>(op, "axis");
                TensorSpec source = In(1);
                var along = Enumerable.Repeat(1L, source.Rank).ToArray();
                along[axis] = -1;
                string idx = b.Add("Reshape", [ToInt64(x[0]), b.Int64(along)]);
                idx = b.Add("Expand", [idx, b.Add("Shape", [x[1]])]);
                return b.Add("ScatterElements", [Zeros(node.Type), idx, x[1]], Attr("axis", axis), Attr("reduction", "add"));
            }

            case "scatter_add":
                return b.Add("ScatterElements", [Zeros(node.Type), ToInt64(x[0]), x[1]],
                    Attr("axis", Get<int>(op, "axis")), Attr("reduction", "add"));
            case "one_hot":
            {
                // ONNX Runtime's OneHot has no float64-values kernel: a float32 one-hot, cast (0 and 1 are exact in both).
                var values = Tensor.FromArray(new float[] { 0, 1 }, 2);
                string hot = b.Add("OneHot", [ToInt64(x[0]), b.Int64([Get<int>(op, "num_classes")]), b.Constant(values)],
                    Attr("axis", -1));
                return dtype == DType.Float32 ? hot : b.Add("Cast", [hot], Attr("to", to));
            }

            case "conv2d":
            {
                int[] stride = Get<int[]>(op, "stride"), padding = Get<int[]>(op, "padding"), dilation = Get<int[]>(op, "dilation");
                return b.Add("Conv", x, Attr("strides", stride.Select(v => (long)v)), Attr("dilations", dilation.Select(v => (long)v)),
                    Attr("pads", new long[] { padding[0], padding[1], padding[0], padding[1] }), Attr("group", Groups(op)));
            }

            case "conv2d_input_grad": return ConvInputGrad(op, x, In(0), In(1));
            case "conv2d_filter_grad":
                if (Groups(op) != 1)
                {
                    throw Error(op, index, "the grouped filter gradient has no ONNX counterpart (its batch/channel swap mixes groups); export with groups = 1");
                }

                return ConvFilterGrad(op, x, In(0), In(1));
            case "pad_mode":
            {
                long[] pads = [.. Get<int[]>(op, "before").Select(v => (long)v), .. Get<int[]>(op, "after").Select(v => (long)v)];
                return b.Add("Pad", [x[0], b.Int64(pads)], Attr("mode", Get<string>(op, "mode") == "reflect" ? "reflect" : "edge"));
            }

            case "max_pool2d":
                return b.Add("MaxPool", [x[0]], MaxPoolAttributes(op));
            case "max_pool2d_grad":
            {
                // ONNX's indices count over the whole (N, C, H, W) tensor: scatter into the flattened input's zeros.
                string[] pooled = b.AddMulti("MaxPool", [x[1]], 2, MaxPoolAttributes(op));
                string flat = b.Int64([-1]);
                string scattered = b.Add("ScatterElements", [b.Add("Reshape", [Zeros(node.Type), flat]), b.Add("Reshape", [pooled[1], flat]), b.Add("Reshape", [x[0], flat])],
                    Attr("axis", 0), Attr("reduction", "add"));
                return b.Add("Reshape", [scattered, b.Add("Shape", [x[1]])]);
            }

            case "max_pool2d_indices":
            {
                TensorSpec input = In(0);
                string[] pooled = b.AddMulti("MaxPool", x, 2, MaxPoolAttributes(op));

                // ONNX indexes the whole (N, C, H, W) tensor; AutoGrad indexes within each (H, W) plane.
                long plane = (long)input.Dims[2].Value * input.Dims[3].Value;
                return b.Add("Mod", [pooled[1], b.Int64([plane], scalar: true)]);
            }
        }

        if (Unsupported.TryGetValue(op.Name, out string? why))
        {
            throw Error(op, index, why);
        }

        throw Error(op, index, "no ONNX translation is known for it");
    }

    private static NotSupportedException Error(Op op, int index, string why) =>
        new($"ONNX export: node {index.ToString(CultureInfo.InvariantCulture)} applies '{op}', which has no ONNX counterpart: {why}.");

    /// <summary>A fused node's program, one op per instruction; with <paramref name="producerNode"/> the first instruction
    /// is a product over that node's leading inputs (a fused_epilogue), translated with the node's input types.</summary>
    private string Fused(Op op, string[] x, DType dtype, int index, string programProperty, GraphNode? producerNode)
    {
        // The fused program (instructions of an op and operands xN / tN) lives on internal types of the core library;
        // read it by reflection so the exporter needs no access to the core's internals.
        const System.Reflection.BindingFlags Any = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic;
        static object? Read(object target, string property) => target.GetType().GetProperty(property, Any)?.GetValue(target);
        var program = Read(op, programProperty) as IEnumerable ?? throw Error(op, index, "its program could not be read");
        var temps = new List<string>();
        foreach (object instruction in program)
        {
            Op step = Read(instruction, "Op") as Op ?? throw Error(op, index, "an instruction's op could not be read");
            var operands = new List<string>();
            foreach (object operand in (IEnumerable)Read(instruction, "Operands")!)
            {
                int i = (int)Read(operand, "Index")!;
                operands.Add((bool)Read(operand, "IsTemporary")! ? temps[i] : x[i]);
            }

            temps.Add(Translate(step, [.. operands], node: temps.Count == 0 ? producerNode : null, index, dtype));
        }

        return temps[^1];
    }

    private string SwapLast(string value, int rank)
    {
        long[] perm = [.. Enumerable.Range(0, rank).Select(i => (long)i)];
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        return b.Add("Transpose", [value], Attr("perm", perm));
    }

    private string ToInt64(string value) => b.Add("Cast", [value], Attr("to", (int)TensorProto.Types.DataType.Int64));

    private string Zeros(TensorSpec type)
    {
        var zero = new TensorProto { DataType = ElementType(type.DType) };
        zero.Dims.Add(1);
        zero.RawData = type.DType == DType.Float64 ? ByteString.CopyFrom(new byte[8]) : ByteString.CopyFrom(new byte[4]);
        return b.Add("ConstantOfShape", [ShapeOf(type.Dims)], Attr("value", zero));
    }

    private string SliceGrad(Op op, string g, TensorSpec input)
    {
        int axis = Get<int>(op, "axis"), start = Get<int>(op, "start"), step = Get<int>(op, "step"), extent = Get<int>(op, "extent");
        int count = input.Dims[axis].Value;
        string spread = g;
        int span = count;
        if (step > 1)
        {
            // Interleave step−1 zeros after each element: unsqueeze a new axis, pad it, merge it back.
            spread = b.Add("Unsqueeze", [g, b.Int64([axis + 1])]);
            long[] gap = new long[2 * (input.Rank + 1)];
            gap[input.Rank + 1 + axis + 1] = step - 1;
            spread = b.Add("Pad", [spread, b.Int64(gap)]);
            var dims = input.Dims.ToArray();
            dims[axis] = Dim.Fixed(count * step);
            spread = b.Add("Reshape", [spread, ShapeOf(dims)]);
            span = count * step;
            if (start + span > extent)
            {
                spread = b.Add("Slice", [spread, b.Int64([0]), b.Int64([extent - start]), b.Int64([axis])]);
                span = extent - start;
            }
        }

        long[] pads = new long[2 * input.Rank];
        pads[axis] = start;
        pads[input.Rank + axis] = extent - start - span;
        return b.Add("Pad", [spread, b.Int64(pads)]);
    }

    private string ConvInputGrad(Op op, string[] x, TensorSpec g, TensorSpec w)
    {
        int[] stride = Get<int[]>(op, "stride"), padding = Get<int[]>(op, "padding"), dilation = Get<int[]>(op, "dilation");
        int[] size = Get<int[]>(op, "input_size");
        var outputPadding = new long[2];
        for (int i = 0; i < 2; i++)
        {
            int full = (stride[i] * (g.Dims[2 + i].Value - 1)) + ((w.Dims[2 + i].Value - 1) * dilation[i]) + 1 - (2 * padding[i]);
            outputPadding[i] = size[i] - full;
        }

        return b.Add("ConvTranspose", x, Attr("strides", stride.Select(v => (long)v)), Attr("dilations", dilation.Select(v => (long)v)),
            Attr("pads", new long[] { padding[0], padding[1], padding[0], padding[1] }), Attr("output_padding", outputPadding), Attr("group", Groups(op)));
    }

    private string ConvFilterGrad(Op op, string[] x, TensorSpec input, TensorSpec g)
    {
        // dW[o, c, i, j] = Σ g[n, o, a, b]·x[n, c, a·s + i·d − p, …]: a convolution of x (channels and batch swapped) with g as
        // the kernel, where the roles of stride and dilation swap; the result may be larger than the kernel, so slice it.
        int[] stride = Get<int[]>(op, "stride"), padding = Get<int[]>(op, "padding"), dilation = Get<int[]>(op, "dilation");
        int[] kernel = Get<int[]>(op, "kernel_size");
        long[] swap = [1, 0, 2, 3];
        string xt = b.Add("Transpose", [x[0]], Attr("perm", swap));
        string gt = b.Add("Transpose", [x[1]], Attr("perm", swap));
        string y = b.Add("Conv", [xt, gt], Attr("strides", dilation.Select(v => (long)v)), Attr("dilations", stride.Select(v => (long)v)),
            Attr("pads", new long[] { padding[0], padding[1], padding[0], padding[1] }));
        bool larger = false;
        for (int i = 0; i < 2; i++)
        {
            int extent = input.Dims[2 + i].Value + (2 * padding[i]) - (stride[i] * (g.Dims[2 + i].Value - 1)) - 1;
            larger |= (extent / dilation[i]) + 1 > kernel[i];
        }

        if (larger)
        {
            y = b.Add("Slice", [y, b.Int64([0, 0]), b.Int64([kernel[0], kernel[1]]), b.Int64([2, 3])]);
        }

        string weights = b.Add("Transpose", [y], Attr("perm", swap));
        if (!TryGet(op, "with_bias", out bool withBias) || !withBias)
        {
            return weights;
        }

        // [outC, K + 1]: each output channel's weight gradient flattened, then its bias gradient Σ g over (N, oH, oW).
        string rows = b.Add("Reshape", [weights, b.Int64([g.Dims[1].Value, -1])]);
        string bias = b.Add("ReduceSum", [x[1], b.Int64([0, 2, 3])], Attr("keepdims", 0));
        return b.Add("Concat", [rows, b.Add("Unsqueeze", [bias, b.Int64([1])])], Attr("axis", 1));
    }

    // conv2d and its gradients print groups only when it is not 1.
    private static long Groups(Op op) => TryGet(op, "groups", out int groups) ? groups : 1;

    private static T Get<T>(Op op, string key) => TryGet(op, key, out T value)
        ? value
        : throw new InvalidOperationException($"ONNX export: op '{op}' has no attribute '{key}' of type {typeof(T).Name}.");

    private static bool TryGet<T>(Op op, string key, out T value)
    {
        foreach (var attribute in op.Attributes)
        {
            if (attribute.Key == key)
            {
                switch (attribute.Value)
                {
                    case T typed:
                        value = typed;
                        return true;
                    case int i when typeof(T) == typeof(double):
                        value = (T)(object)(double)i;
                        return true;
                    case float f when typeof(T) == typeof(double):
                        value = (T)(object)(double)f;
                        return true;
                    case Shape s when typeof(T) == typeof(int[]):
                        value = (T)(object)s.ToArray();
                        return true;
                    case int i when typeof(T) == typeof(int[]):
                        value = (T)(object)new[] { i };
                        return true;
                }
            }
        }

        value = default!;
        return false;
    }
}
