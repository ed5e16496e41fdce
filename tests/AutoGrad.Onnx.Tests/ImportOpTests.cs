using System.Runtime.InteropServices;
using AutoGrad.Tensors;
using Google.Protobuf;
using Onnx;

namespace AutoGrad.Onnx.Tests;

/// <summary>Every importable op in a one- or two-node model: ONNX Runtime runs the file, AutoGrad runs the imported graph.</summary>
public sealed class ImportOpTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>A small model: input <c>x</c> of the given shape (first axis <c>batch</c>), float initializers, int64 constants, nodes writing <c>y</c>.</summary>
    public sealed record ImportCase(string Name, int[] InputShape, long Opset, Func<Tensor> Data, Func<GraphProto, NodeProto[]> Nodes)
    {
        public override string ToString() => Name;

        public byte[] Bytes()
        {
            var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = Name } };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
            var shape = new TensorShapeProto();
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
            foreach (int d in InputShape)
            {
                shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            }

            model.Graph.Input.Add(new ValueInfoProto { Name = "x", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } });
            model.Graph.Output.Add(new ValueInfoProto { Name = "y", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
            model.Graph.Node.AddRange(Nodes(model.Graph));
            return model.ToByteArray();
        }
    }

    private static NodeProto N(string op, string[] inputs, string output = "y", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = op + "_" + output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto A(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto A(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static AttributeProto A(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto A(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static string F(GraphProto g, string name, Tensor value)
    {
        var t = new TensorProto { Name = name, DataType = 1, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(value.ToArray().AsSpan())) };
        t.Dims.AddRange(value.Shape.ToArray().Select(d => (long)d));
        g.Initializer.Add(t);
        return name;
    }

    private static string I(GraphProto g, string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = 7, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        t.Dims.Add(values.Length);
        g.Initializer.Add(t);
        return name;
    }

    private static string Scalar(GraphProto g, string name, long value)
    {
        var t = new TensorProto { Name = name, DataType = 7, RawData = ByteString.CopyFrom(BitConverter.GetBytes(value)) };
        g.Initializer.Add(t);
        return name;
    }

    private static Tensor R(int seed, params int[] shape) => Tensor.RandN(shape, new Generator(seed));

    private static ImportCase Unary(string op, long opset = 13, bool positive = false, params AttributeProto[] attributes) =>
        new(op, [2, 3], opset, () => positive ? R(1, 3, 2, 3).Abs().Add(0.1) : R(1, 3, 2, 3), _ => [N(op, ["x"], "y", attributes)]);

    public static IEnumerable<ImportCase> Cases()
    {
        yield return Unary("Relu");
        yield return Unary("Tanh");
        yield return Unary("Sigmoid");
        yield return Unary("Erf");
        yield return Unary("Sqrt", positive: true);
        yield return Unary("Identity");
        yield return Unary("Dropout");
        yield return Unary("Cast", 13, false, A("to", 1L));
        yield return Unary("Softmax", 13, false, A("axis", 1L));
        yield return Unary("LogSoftmax", 11, false, A("axis", 1L));
        yield return Unary("Softmax", 11, false, A("axis", -1L)) with { Name = "Softmax_opset11_last_axis" };
        yield return Unary("Transpose", 13, false, A("perm", 0, 2, 1));
        yield return Unary("Flatten", 13, false, A("axis", 2L));
        yield return Unary("ReduceMean", 13, false, A("axes", [1L]), A("keepdims", 0L));
        yield return new("ReduceSum", [2, 3], 13, () => R(1, 3, 2, 3), g => [N("ReduceSum", ["x", I(g, "axes", 2)], "y", A("keepdims", 1L))]);
        yield return new("ReduceSum_opset11", [2, 3], 11, () => R(1, 3, 2, 3), g => [N("ReduceSum", ["x"], "y", A("axes", 1, 2), A("keepdims", 0L))]);
        foreach (string op in new[] { "Add", "Sub", "Mul", "Div" })
        {
            yield return new(op, [2, 3], 13, () => R(1, 3, 2, 3), g => [N(op, ["x", F(g, "w", R(2, 3).Abs().Add(0.5))])]);
        }

        yield return new("Pow", [4], 13, () => R(1, 3, 4).Abs().Add(0.5), g => [N("Pow", ["x", F(g, "e", Tensor.FromArray(new float[] { 2, 0.5f, 3, 1.5f }, 4))])]);
        yield return new("Gemm", [4], 13, () => R(1, 3, 4),
            g => [N("Gemm", ["x", F(g, "w", R(2, 3, 4)), F(g, "c", R(3, 3))], "y", A("transB", 1L), A("alpha", 0.5f), A("beta", 2f))]);
        yield return new("MatMul", [4], 13, () => R(1, 3, 4), g => [N("MatMul", ["x", F(g, "w", R(2, 4, 3))])]);
        yield return new("Conv", [2, 7, 7], 13, () => R(1, 3, 2, 7, 7),
            g => [N("Conv", ["x", F(g, "w", R(2, 3, 2, 3, 3)), F(g, "b", R(3, 3))], "y", A("pads", 1, 1, 1, 1), A("strides", 2, 2), A("kernel_shape", 3, 3))]);
        yield return new("MaxPool", [2, 6, 6], 13, () => R(1, 3, 2, 6, 6), _ => [N("MaxPool", ["x"], "y", A("kernel_shape", 2, 2), A("strides", 2, 2))]);
        yield return new("AveragePool", [2, 6, 6], 13, () => R(1, 3, 2, 6, 6),
            _ => [N("AveragePool", ["x"], "y", A("kernel_shape", 3, 3), A("strides", 1, 1), A("pads", 1, 1, 1, 1), A("count_include_pad", 1L))]);
        yield return new("Conv_group", [4, 6, 5], 13, () => R(1, 3, 4, 6, 5),
            g => [N("Conv", ["x", F(g, "w", R(2, 6, 2, 3, 2))], "y", A("pads", 1, 0, 1, 0), A("strides", 1, 2), A("group", 2L), A("kernel_shape", 3, 2))]);
        yield return new("MaxPool_rectangular_ceil", [2, 5, 6], 13, () => R(1, 3, 2, 5, 6),
            _ => [N("MaxPool", ["x"], "y", A("kernel_shape", 2, 3), A("strides", 2, 2), A("pads", 0, 1, 0, 1), A("ceil_mode", 1L))]);
        yield return new("AveragePool_ceil_exclude_pad", [2, 6, 5], 13, () => R(1, 3, 2, 6, 5),
            _ => [N("AveragePool", ["x"], "y", A("kernel_shape", 3, 3), A("strides", 2, 2), A("pads", 1, 1, 1, 1), A("ceil_mode", 1L))]);
        yield return new("BatchNormalization", [3, 4, 4], 15, () => R(1, 3, 3, 4, 4),
            g => [N("BatchNormalization", ["x", F(g, "scale", R(2, 3)), F(g, "bias", R(3, 3)), F(g, "mean", R(4, 3)), F(g, "var", R(5, 3).Abs().Add(0.5))], "y", A("epsilon", 1e-3f))]);
        yield return new("LayerNormalization", [2, 5], 17, () => R(1, 3, 2, 5),
            g => [N("LayerNormalization", ["x", F(g, "scale", R(2, 5)), F(g, "bias", R(3, 5))], "y", A("axis", -1L), A("epsilon", 1e-5f))]);
        yield return new("Reshape", [6], 13, () => R(1, 3, 6), g => [N("Reshape", ["x", I(g, "shape", 0, 2, 3)])]);
        // PyTorch's dynamic flatten: Shape → Gather → Unsqueeze → Concat → Reshape.
        yield return new("Reshape_from_Shape", [2, 3], 13, () => R(1, 3, 2, 3), g =>
        [
            N("Shape", ["x"], "s"),
            N("Gather", ["s", Scalar(g, "zero", 0)], "b", A("axis", 0L)),
            N("Unsqueeze", ["b", I(g, "axes0", 0)], "b1"),
            N("Concat", ["b1", I(g, "minus", -1)], "target", A("axis", 0L)),
            N("Reshape", ["x", "target"]),
        ]);
        yield return new("Concat", [2, 3], 13, () => R(1, 3, 2, 3), _ => [N("Concat", ["x", "x"], "y", A("axis", 1L))]);
        yield return new("Gather", [5], 13, () => R(1, 3, 5), g => [N("Gather", ["x", I(g, "idx", 3, 0, -1)], "y", A("axis", 1L))]);
        yield return new("Unsqueeze_Squeeze", [2, 3], 13, () => R(1, 3, 2, 3),
            g => [N("Unsqueeze", ["x", I(g, "a1", 1)], "u"), N("Relu", ["u"], "r"), N("Squeeze", ["r", I(g, "a2", 1)])]);
        yield return new("Unsqueeze_opset11", [2, 3], 11, () => R(1, 3, 2, 3), _ => [N("Unsqueeze", ["x"], "y", A("axes", [3L]))]);
        yield return new("Constant", [2, 3], 13, () => R(1, 3, 2, 3), _ =>
        {
            var value = new TensorProto { Name = "c", DataType = 1 };
            value.Dims.Add(3);
            value.FloatData.AddRange([1.5f, -2f, 0.25f]);
            return [N("Constant", [], "c", new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value }), N("Mul", ["x", "c"])];
        });
        yield return new("Pad", [2, 3], 13, () => R(1, 3, 2, 3),
            g => [N("Pad", ["x", I(g, "pads", 0, 1, 0, 0, 2, 1), F(g, "value", Tensor.Scalar(0.5))])]);
        yield return new("Pad_reflect", [3, 4], 13, () => R(1, 3, 3, 4), g => [N("Pad", ["x", I(g, "pads", 0, 2, 1, 0, 0, 3)], "y", A("mode", "reflect"))]);
        yield return new("Pad_edge", [3, 4], 13, () => R(1, 3, 3, 4), g => [N("Pad", ["x", I(g, "pads", 0, 1, 0, 0, 2, 2)], "y", A("mode", "edge"))]);
    }

    public static TheoryData<ImportCase> All => [.. Cases()];

    [Theory]
    [MemberData(nameof(All))]
    public void Load_SingleOpModel_ImportedGraphMatchesOrt(ImportCase @case)
    {
        byte[] bytes = @case.Bytes();
        OnnxModel model = OnnxModel.Load(bytes, @case.Name);
        Tensor x = @case.Data();
        Tensor[] expected = Ort.Run(bytes, x);
        double error = Ort.AssertClose(model.Graph.Run(x), expected, 1e-5, @case.Name);
        output.WriteLine($"import {@case.Name}: max relative difference {error:E2}");
    }

    [Fact]
    public void Cases_CoverEverySupportedImportOp()
    {
        var seen = Cases().SelectMany(c => c.Nodes(new GraphProto()).Select(n => n.OpType)).ToHashSet();
        string[] missing = [.. OnnxModel.SupportedOps.Where(op => !seen.Contains(op))];
        Assert.True(missing.Length == 0, "no case imports: " + string.Join(", ", missing));
    }
}
