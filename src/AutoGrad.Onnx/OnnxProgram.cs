using System.Globalization;
using AutoGrad.Tensors;
using Google.Protobuf.Collections;
using Onnx;

namespace AutoGrad.Onnx;

/// <summary>
/// An ONNX graph made runnable with AutoGrad tensor ops: each ONNX node becomes calls to public <see cref="Tensor"/>
/// methods, so running it eagerly records the tape (gradients, fine-tuning) and tracing it gives an AutoGrad graph.
/// Integer values (shapes, axes, the results of <c>Shape</c>) are computed when the program runs and never become
/// graph values, which is how PyTorch's shape arithmetic turns into concrete (and, when traced, symbolic) reshapes.
/// </summary>
internal sealed class OnnxProgram
{
    /// <summary>The ONNX ops the importer translates.</summary>
    public static readonly IReadOnlySet<string> SupportedOps = new SortedSet<string>(StringComparer.Ordinal)
    {
        "Gemm", "MatMul", "Conv", "MaxPool", "AveragePool", "BatchNormalization", "LayerNormalization", "Relu", "Tanh", "Sigmoid",
        "Erf", "Softmax", "LogSoftmax", "Flatten", "Reshape", "Transpose", "Concat", "Gather", "Unsqueeze", "Squeeze", "Shape",
        "Constant", "Pad", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "ReduceMean", "ReduceSum", "Dropout", "Identity", "Cast",
    };

    private readonly List<NodeProto> nodes;
    private readonly Dictionary<string, Tensor> tensors;
    private readonly Dictionary<string, StaticInts> ints;
    private readonly string source;

    public OnnxProgram(long opset, List<NodeProto> nodes, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        Dictionary<string, Tensor> tensors, Dictionary<string, StaticInts> ints, string source)
    {
        Opset = opset;
        this.nodes = nodes;
        Inputs = inputs;
        Outputs = outputs;
        this.tensors = tensors;
        this.ints = ints;
        this.source = source;
    }

    public long Opset { get; }

    public IReadOnlyList<string> Inputs { get; }

    public IReadOnlyList<string> Outputs { get; }

    /// <summary>Why the importer cannot translate <paramref name="node"/> with these attributes, or null when it can.</summary>
    public static string? Unsupported(NodeProto node)
    {
        switch (node.OpType)
        {
            case "Conv":
                if (Str(node, "auto_pad", "NOTSET") is not ("NOTSET" or "VALID"))
                {
                    return "auto_pad SAME_*";
                }

                return Asymmetric(Ints(node, "pads")) ? "asymmetric padding" : null;
            case "MaxPool":
            case "AveragePool":
                long[] kernel = Ints(node, "kernel_shape") ?? [];
                long[] strides = Ints(node, "strides") ?? [1, 1];
                long[] pads = Ints(node, "pads") ?? [0, 0, 0, 0];
                if (kernel.Length != 2 || strides.Length != 2 || pads.Length != 4 || Asymmetric(pads))
                {
                    return "a window that is not 2-D or padding that differs between the two sides of an axis";
                }

                return (Ints(node, "dilations") ?? [1, 1]).Any(d => d != 1) || node.Output.Count > 1
                    || Str(node, "auto_pad", "NOTSET") is not ("NOTSET" or "VALID")
                    ? "dilation, auto_pad SAME_* or the indices output"
                    : null;
            case "BatchNormalization":
                return Int(node, "training_mode", 0) != 0 || node.Output.Count > 1 ? "training mode" : null;
            case "Pad":
                return Str(node, "mode", "constant") is not ("constant" or "reflect" or "edge") ? "a mode other than constant, reflect or edge" : null;
            default:
                return null;
        }
    }

    /// <summary>Runs the graph on <paramref name="inputs"/> with tensor ops (recorded on the tape, and by a tracer).</summary>
    public Tensor[] Run(IReadOnlyList<Tensor> inputs)
    {
        var env = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, value) in tensors)
        {
            env[name] = value;
        }

        foreach (var (name, value) in ints)
        {
            env[name] = value;
        }

        for (int i = 0; i < Inputs.Count; i++)
        {
            env[Inputs[i]] = inputs[i];
        }

        foreach (NodeProto node in nodes)
        {
            object?[] args = [.. node.Input.Select(n => n.Length == 0 ? null : env[n])];
            object result;
            try
            {
                result = Apply(node, args);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException)
            {
                throw new InvalidDataException($"{source}: node '{node.Name}' ({node.OpType}) failed: {e.Message}", e);
            }

            env[node.Output[0]] = result;
        }

        return [.. Outputs.Select(o => env[o] is Tensor t ? t : ToTensor(env[o], DType.Float32))];
    }

    private object Apply(NodeProto node, object?[] x)
    {
        switch (node.OpType)
        {
            case "Identity":
            case "Dropout":
                return x[0]!;
            case "Relu": return T(x[0]).Relu();
            case "Tanh": return T(x[0]).Tanh();
            case "Sigmoid": return T(x[0]).Sigmoid();
            case "Sqrt": return T(x[0]).Sqrt();
            case "Erf": return Erf(T(x[0]));
            case "Add":
            case "Sub":
            case "Mul":
            case "Div":
            case "Pow":
                return Binary(node.OpType, x[0]!, x[1]!);
            case "MatMul": return T(x[0]).MatMul(T(x[1]));
            case "Gemm":
            {
                Tensor y = T(x[0]).MatMul(T(x[1]), Int(node, "transA", 0) != 0, Int(node, "transB", 0) != 0);
                double alpha = Float(node, "alpha", 1), beta = Float(node, "beta", 1);
                if (alpha != 1)
                {
                    y = y.Mul(alpha);
                }

                if (x.Length > 2 && x[2] is not null)
                {
                    Tensor c = ToTensor(x[2]!, y.DType);
                    y = y.Add(beta == 1 ? c : c.Mul(beta));
                }

                return y;
            }

            case "Conv":
            {
                Tensor input = T(x[0]), weight = T(x[1]);
                long[] strides = Ints(node, "strides") ?? [1, 1], dilations = Ints(node, "dilations") ?? [1, 1], pads = Ints(node, "pads") ?? [0, 0, 0, 0];
                Tensor? bias = x.Length > 2 && x[2] is not null ? T(x[2]) : null;
                return input.Conv2D(weight, bias, ((int)strides[0], (int)strides[1]), ((int)pads[0], (int)pads[1]), ((int)dilations[0], (int)dilations[1]), (int)Int(node, "group", 1));
            }

            case "MaxPool":
            case "AveragePool":
            {
                long[] kernel = Ints(node, "kernel_shape")!, strides = Ints(node, "strides") ?? [1, 1], pads = Ints(node, "pads") ?? [0, 0, 0, 0];
                (int, int) window = ((int)kernel[0], (int)kernel[1]), stride = ((int)strides[0], (int)strides[1]), padding = ((int)pads[0], (int)pads[1]);
                bool ceil = Int(node, "ceil_mode", 0) != 0;
                return node.OpType == "MaxPool"
                    ? T(x[0]).MaxPool2D(window, stride, padding, ceil)
                    : T(x[0]).AvgPool2D(window, stride, padding, ceil, countIncludePad: Int(node, "count_include_pad", 0) != 0);
            }

            case "BatchNormalization":
            {
                Tensor input = T(x[0]);
                int[] channel = [.. Enumerable.Repeat(1, input.Rank - 1)];
                channel[0] = input.Shape[1];
                Tensor PerChannel(object? v) => T(v).Reshape(channel);
                Tensor normalized = input.Sub(PerChannel(x[3])).Div(PerChannel(x[4]).Add(Float(node, "epsilon", 1e-5)).Sqrt());
                return normalized.Mul(PerChannel(x[1])).Add(PerChannel(x[2]));
            }

            case "LayerNormalization":
            {
                Tensor input = T(x[0]);
                int axis = Axis(Int(node, "axis", -1), input.Rank);
                int[] axes = [.. Enumerable.Range(axis, input.Rank - axis)];
                Tensor centered = input.Sub(input.Mean(axes, keepDims: true));
                Tensor y = centered.Div(centered.Square().Mean(axes, keepDims: true).Add(Float(node, "epsilon", 1e-5)).Sqrt()).Mul(T(x[1]));
                return x.Length > 2 && x[2] is not null ? y.Add(T(x[2])) : y;
            }

            case "Softmax":
            case "LogSoftmax":
            {
                Tensor input = T(x[0]);
                bool log = node.OpType == "LogSoftmax";
                int axis = Axis(Int(node, "axis", Opset < 13 ? 1 : -1), input.Rank);
                if (Opset >= 13 || axis == input.Rank - 1)
                {
                    return log ? input.LogSoftmax(axis) : input.Softmax(axis);
                }

                // Before opset 13 the op flattens the input to 2-D at the axis and normalises over the whole tail.
                int[] dims = input.Shape.ToArray();
                Tensor flat = input.Reshape(dims[..axis].Aggregate(1, (a, d) => a * d), -1);
                return (log ? flat.LogSoftmax(1) : flat.Softmax(1)).Reshape(dims);
            }

            case "Flatten":
            {
                Tensor input = T(x[0]);
                int axis = Axis(Int(node, "axis", 1), input.Rank + 1);
                int outer = input.Shape.ToArray()[..axis].Aggregate(1, (a, d) => a * d);
                return input.Reshape(outer, -1);
            }

            case "Reshape":
            {
                Tensor input = T(x[0]);
                long[] shape = S(x[1]).Data;
                bool allowZero = Int(node, "allowzero", 0) != 0;
                int[] dims = [.. shape.Select((d, i) => d == 0 && !allowZero ? input.Shape[i] : (int)d)];
                return input.Reshape(dims);
            }

            case "Transpose":
            {
                Tensor input = T(x[0]);
                long[] perm = Ints(node, "perm") ?? [.. Enumerable.Range(0, input.Rank).Reverse().Select(i => (long)i)];
                return input.Permute([.. perm.Select(p => (int)p)]);
            }

            case "Concat":
            {
                int axis = (int)Int(node, "axis", 0);
                if (x.All(v => v is StaticInts))
                {
                    return StaticInts.Vector([.. x.SelectMany(v => S(v).Data)]);
                }

                DType dtype = x.OfType<Tensor>().First().DType;
                Tensor[] parts = [.. x.Select(v => ToTensor(v!, dtype))];
                return Tensor.Concat(parts, Axis(axis, parts[0].Rank));
            }

            case "Gather":
            {
                StaticInts indices = S(x[1]);
                int axisAttr = (int)Int(node, "axis", 0);
                if (x[0] is StaticInts data)
                {
                    long Pick(long i) => data.Data[i < 0 ? i + data.Data.Length : i];
                    long[] picked = [.. indices.Data.Select(Pick)];
                    return new StaticInts(picked, indices.Shape);
                }

                Tensor input = T(x[0]);
                int axis = Axis(axisAttr, input.Rank);
                long extent = input.Shape[axis];
                long[] flat = [.. indices.Data.Select(i => i < 0 ? i + extent : i)];
                Tensor selected = input.IndexSelect(axis, Tensor.FromArray(flat, flat.Length));
                int[] dims = [.. input.Shape.ToArray()[..axis], .. indices.Shape, .. input.Shape.ToArray()[(axis + 1)..]];
                return selected.Reshape(dims);
            }

            case "Unsqueeze":
            case "Squeeze":
            {
                long[]? axesList = Opset >= 13 ? (x.Length > 1 && x[1] is not null ? S(x[1]).Data : null) : Ints(node, "axes");
                int[] shape = x[0] is StaticInts si ? si.Shape : T(x[0]).Shape.ToArray();
                var dims = shape.ToList();
                if (node.OpType == "Unsqueeze")
                {
                    int rank = shape.Length + axesList!.Length;
                    foreach (int a in axesList.Select(a => Axis((int)a, rank)).Order())
                    {
                        dims.Insert(a, 1);
                    }
                }
                else
                {
                    var drop = axesList is null
                        ? [.. Enumerable.Range(0, shape.Length).Where(i => shape[i] == 1)]
                        : axesList.Select(a => Axis((int)a, shape.Length)).ToHashSet();
                    dims = [.. shape.Where((_, i) => !drop.Contains(i))];
                }

                return x[0] is StaticInts s ? new StaticInts(s.Data, [.. dims]) : T(x[0]).Reshape([.. dims]);
            }

            case "Shape":
            {
                int[] shape = x[0] is StaticInts si ? si.Shape : T(x[0]).Shape.ToArray();
                int start = Axis((int)Int(node, "start", 0), shape.Length + 1), end = Axis((int)Int(node, "end", shape.Length), shape.Length + 1);
                return StaticInts.Vector([.. shape[start..Math.Max(start, end)].Select(d => (long)d)]);
            }

            case "Constant": return ConstantValue(node);
            case "Cast":
            {
                long to = Int(node, "to", 1);
                if (x[0] is StaticInts s)
                {
                    return to is (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Double
                        ? ToTensor(s, to == (int)TensorProto.Types.DataType.Double ? DType.Float64 : DType.Float32)
                        : s;
                }

                return to switch
                {
                    (int)TensorProto.Types.DataType.Float => T(x[0]).To(DType.Float32),
                    (int)TensorProto.Types.DataType.Double => T(x[0]).To(DType.Float64),
                    (int)TensorProto.Types.DataType.Int64 => T(x[0]).To(DType.Int64),
                    (int)TensorProto.Types.DataType.Int32 => T(x[0]).To(DType.Int32),
                    (int)TensorProto.Types.DataType.Bool => T(x[0]).To(DType.Bool),
                    (int)TensorProto.Types.DataType.Uint8 => T(x[0]).To(DType.UInt8),
                    _ => throw new InvalidOperationException($"Cast of a tensor to {OnnxTensors.TypeName((int)to)} is not supported."),
                };
            }

            case "Pad":
            {
                Tensor input = T(x[0]);
                long[] pads = Opset >= 11 ? S(x[1]).Data : Ints(node, "pads")!;
                double value = Opset >= 11 ? (x.Length > 2 && x[2] is Tensor v ? v.ItemDouble() : 0) : Float(node, "value", 0);
                if (pads.Any(p => p < 0))
                {
                    throw new InvalidOperationException("negative pads are not supported.");
                }

                var pairs = new (int Before, int After)[input.Rank];
                for (int i = 0; i < input.Rank; i++)
                {
                    pairs[i] = ((int)pads[i], (int)pads[input.Rank + i]);
                }

                return Str(node, "mode", "constant") switch
                {
                    "reflect" => input.Pad(pairs, PaddingMode.Reflect),
                    "edge" => input.Pad(pairs, PaddingMode.Replicate),
                    _ => input.Pad(pairs, value),
                };
            }

            case "ReduceMean":
            case "ReduceSum":
            {
                Tensor input = T(x[0]);
                long[]? axes = node.OpType == "ReduceSum" && Opset >= 13 ? (x.Length > 1 && x[1] is not null ? S(x[1]).Data : null) : Ints(node, "axes");
                bool keep = Int(node, "keepdims", 1) != 0;
                if (axes is null || axes.Length == 0)
                {
                    if (Int(node, "noop_with_empty_axes", 0) != 0)
                    {
                        return input;
                    }

                    axes = [.. Enumerable.Range(0, input.Rank).Select(i => (long)i)];
                }

                int[] normalized = [.. axes.Select(a => Axis((int)a, input.Rank)).Order()];
                return node.OpType == "ReduceSum" ? input.Sum(normalized, keep) : input.Mean(normalized, keep);
            }

            default:
                throw new InvalidOperationException($"op {node.OpType} is not supported.");
        }
    }

    private object ConstantValue(NodeProto node)
    {
        AttributeProto attribute = node.Attribute.Single();
        return attribute.Name switch
        {
            "value" => OnnxTensors.IsInteger(attribute.T.DataType) ? OnnxTensors.ToInts(attribute.T, source) : OnnxTensors.ToTensor(attribute.T, source),
            "value_float" => Tensor.Scalar(attribute.F),
            "value_floats" => Tensor.FromArray(attribute.Floats.ToArray(), attribute.Floats.Count),
            "value_int" => new StaticInts([attribute.I], []),
            "value_ints" => StaticInts.Vector([.. attribute.Ints]),
            _ => throw new InvalidOperationException($"Constant with attribute '{attribute.Name}' is not supported."),
        };
    }

    private static object Binary(string op, object a, object b)
    {
        if (a is StaticInts sa && b is StaticInts sb)
        {
            long Apply(long p, long q) => op switch
            {
                "Add" => p + q,
                "Sub" => p - q,
                "Mul" => p * q,
                "Div" => p / q,
                _ => (long)Math.Pow(p, q),
            };
            if (sa.Data.Length == sb.Data.Length)
            {
                return sa with { Data = [.. sa.Data.Zip(sb.Data, Apply)] };
            }

            return sa.Data.Length == 1
                ? sb with { Data = [.. sb.Data.Select(q => Apply(sa.Data[0], q))] }
                : sa with { Data = [.. sa.Data.Select(p => Apply(p, sb.Data[0]))] };
        }

        DType dtype = a is Tensor ta ? ta.DType : ((Tensor)b).DType;
        Tensor x = ToTensor(a, dtype), y = ToTensor(b, dtype);
        return op switch
        {
            "Add" => x.Add(y),
            "Sub" => x.Sub(y),
            "Mul" => x.Mul(y),
            "Div" => x.Div(y),
            _ => x.Pow(y),
        };
    }

    /// <summary>
    /// erf(x) = sign(x)·(1 − t·exp(−x² + P(t))), t = 1/(1 + |x|/2), with the Chebyshev-fitted polynomial of Numerical Recipes
    /// (erfc, fractional error below 1.2e-7 everywhere): AutoGrad has no erf primitive, and this composition of its ops
    /// keeps gradients exact for the function it computes.
    /// </summary>
    private static Tensor Erf(Tensor x)
    {
        double[] c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
        Tensor z = x.Abs();
        Tensor t = z.Mul(0.5).Add(1).RDiv(1);
        Tensor poly = t.Mul(c[9]);
        for (int i = 8; i >= 1; i--)
        {
            poly = poly.Add(c[i]).Mul(t);
        }

        Tensor erfc = t.Mul(z.Square().Neg().Add(poly.Add(c[0])).Exp());
        return x.Sign().Mul(erfc.RSub(1));
    }

    private static Tensor ToTensor(object value, DType dtype) => value switch
    {
        Tensor t => t,
        StaticInts s => Tensor.FromArray([.. s.Data.Select(v => (double)v)], s.Shape).To(dtype),
        _ => throw new InvalidOperationException($"unexpected value {value}."),
    };

    private static Tensor T(object? value) => value as Tensor ?? (value is StaticInts s
        ? ToTensor(s, DType.Float32)
        : throw new InvalidOperationException("a required input is missing."));

    private static StaticInts S(object? value) => value as StaticInts
        ?? throw new InvalidOperationException("an input that must be known when the model is loaded (a shape, axes, pads or indices) is computed from data.");

    private static int Axis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

    private static AttributeProto? Find(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    public static long Int(NodeProto node, string name, long fallback) => Find(node, name) is { } a ? a.I : fallback;

    public static double Float(NodeProto node, string name, double fallback) => Find(node, name) is { } a ? a.F : fallback;

    public static string Str(NodeProto node, string name, string fallback) => Find(node, name) is { } a ? a.S.ToStringUtf8() : fallback;

    public static long[]? Ints(NodeProto node, string name) => Find(node, name) is { } a ? [.. a.Ints] : null;

    private static bool Asymmetric(long[]? pads) => pads is not null && (pads.Length != 4 || pads[0] != pads[2] || pads[1] != pads[3]);

    public static string Describe(RepeatedField<string> names) => string.Join(", ", names.Select(n => "'" + n + "'"));

    public static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);
}
