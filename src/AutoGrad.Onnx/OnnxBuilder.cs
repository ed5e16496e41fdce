using System.Runtime.InteropServices;
using AutoGrad.Graphs;
using AutoGrad.Tensors;
using Google.Protobuf;
using Onnx;

namespace AutoGrad.Onnx;

/// <summary>
/// Appends nodes and initializers to an ONNX <see cref="GraphProto"/> under fresh, deterministic value names, and holds
/// the small constant and attribute helpers the op translations share.
/// </summary>
internal sealed class OnnxBuilder(GraphProto graph)
{
    private readonly HashSet<string> used = new(StringComparer.Ordinal);
    private int counter;

    public GraphProto Graph { get; } = graph;

    /// <summary>Marks a name as taken (inputs, parameters) so generated names never collide with it.</summary>
    public void Reserve(string name) => used.Add(name);

    /// <summary>A name not used before, derived from <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        string name;
        do
        {
            name = $"{hint}_{counter++}";
        }
        while (!used.Add(name));

        return name;
    }

    /// <summary>Appends a node with one output and returns the output's name.</summary>
    public string Add(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes) => AddMulti(opType, inputs, 1, attributes)[0];

    /// <summary>Appends a node with <paramref name="outputs"/> outputs and returns their names.</summary>
    public string[] AddMulti(string opType, IEnumerable<string> inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Fresh(opType) };
        node.Input.AddRange(inputs);
        var names = new string[outputs];
        for (int i = 0; i < outputs; i++)
        {
            names[i] = Fresh(opType.ToLowerInvariant());
            node.Output.Add(names[i]);
        }

        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return names;
    }

    /// <summary>An int64 initializer (1-D, or a scalar when <paramref name="scalar"/>).</summary>
    public string Int64(long[] values, bool scalar = false)
    {
        var tensor = new TensorProto { Name = Fresh("const"), DataType = (int)TensorProto.Types.DataType.Int64 };
        if (!scalar)
        {
            tensor.Dims.Add(values.Length);
        }

        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A fixed float value of <paramref name="dtype"/> and <paramref name="shape"/>, every element <paramref name="value"/>.</summary>
    public string Filled(double value, DType dtype, Shape shape) => Constant(Tensor.Full(shape, value, dtype));

    /// <summary>
    /// A fixed float value as a <c>Constant</c> node. Initializers are kept for parameters, so an importer (AutoGrad's
    /// included) can tell trainable weights from fixed constants.
    /// </summary>
    public string Constant(Tensor value) => Add("Constant", [], Attr("value", ToTensorProto(string.Empty, value)));

    /// <summary>Adds <paramref name="value"/> as an initializer named <paramref name="name"/>.</summary>
    public string Initializer(string name, Tensor value)
    {
        Graph.Initializer.Add(ToTensorProto(name, value));
        return name;
    }

    /// <summary>The int64 1-D tensor holding a shape whose symbolic axes are computed at run time from each symbol's size
    /// (<paramref name="size"/>: an int64 <c>[1]</c> tensor per symbol, <c>B</c> or a named dimension).</summary>
    public string Shape(IReadOnlyList<Dim> dims, Func<string, string> size)
    {
        if (!dims.Any(d => d.IsSymbolic))
        {
            return Int64([.. dims.Select(d => (long)d.Value)]);
        }

        var pieces = new List<string>();
        var run = new List<long>();
        foreach (Dim d in dims)
        {
            if (!d.IsSymbolic)
            {
                run.Add(d.Value);
                continue;
            }

            if (run.Count > 0)
            {
                pieces.Add(Int64([.. run]));
                run.Clear();
            }

            pieces.Add(Extent(d, size));
        }

        if (run.Count > 0)
        {
            pieces.Add(Int64([.. run]));
        }

        return pieces.Count == 1 ? pieces[0] : Add("Concat", pieces, Attr("axis", 0));
    }

    /// <summary>An int64 <c>[1]</c> tensor holding a symbolic extent: its factor times each symbol's size.</summary>
    public string Extent(Dim d, Func<string, string> size)
    {
        string? product = null;
        foreach (string symbol in d.Symbols)
        {
            product = product is null ? size(symbol) : Add("Mul", [product, size(symbol)]);
        }

        product ??= Int64([1]);
        return d.Value == 1 ? product : Add("Mul", [product, Int64([d.Value])]);
    }

    public static int ElementType(DType dtype) => dtype switch
    {
        DType.Float64 => (int)TensorProto.Types.DataType.Double,
        DType.Int64 => (int)TensorProto.Types.DataType.Int64,
        DType.Int32 => (int)TensorProto.Types.DataType.Int32,
        DType.Bool => (int)TensorProto.Types.DataType.Bool,
        DType.UInt8 => (int)TensorProto.Types.DataType.Uint8,
        _ => (int)TensorProto.Types.DataType.Float,
    };

    public static TensorProto ToTensorProto(string name, Tensor value)
    {
        var tensor = new TensorProto { Name = name, DataType = ElementType(value.DType) };
        tensor.Dims.AddRange(value.Shape.ToArray().Select(d => (long)d));

        // raw_data is little-endian, one byte per bool (as .NET stores bool), like the platforms .NET runs on.
        tensor.RawData = value.DType switch
        {
            DType.Float64 => ByteString.CopyFrom(MemoryMarshal.AsBytes(value.ToArray<double>().AsSpan())),
            DType.Int64 => ByteString.CopyFrom(MemoryMarshal.AsBytes(value.ToArray<long>().AsSpan())),
            DType.Int32 => ByteString.CopyFrom(MemoryMarshal.AsBytes(value.ToArray<int>().AsSpan())),
            DType.Bool => ByteString.CopyFrom(MemoryMarshal.AsBytes(value.ToArray<bool>().AsSpan())),
            DType.UInt8 => ByteString.CopyFrom(value.ToArray<byte>()),
            _ => ByteString.CopyFrom(MemoryMarshal.AsBytes(value.ToArray<float>().AsSpan())),
        };
        return tensor;
    }

    /// <summary>A symbolic extent as an ONNX dim_param: <c>batch</c>, <c>2*batch</c>, <c>T</c>, <c>batch*T</c>.</summary>
    private static string DimParam(Dim d, string batchName)
    {
        string product = string.Join("*", d.Symbols.Select(s => s == Dim.BatchName ? batchName : s));
        return d.Value == 1 ? product : $"{d.Value}*{product}";
    }

    public static ValueInfoProto ValueInfo(string name, TensorSpec spec, string batchName)
    {
        var shape = new TensorShapeProto();
        foreach (Dim d in spec.Dims)
        {
            shape.Dim.Add(!d.IsSymbolic
                ? new TensorShapeProto.Types.Dimension { DimValue = d.Value }
                : new TensorShapeProto.Types.Dimension { DimParam = DimParam(d, batchName) });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = ElementType(spec.DType), Shape = shape } },
        };
    }

    public static AttributeProto Attr(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attr(string name, double value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    public static AttributeProto Attr(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Attr(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Attr(string name, TensorProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };
}
