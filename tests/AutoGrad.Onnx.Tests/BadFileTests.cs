using Google.Protobuf;
using Onnx;

namespace AutoGrad.Onnx.Tests;

/// <summary>Broken or unsupported files fail at load with one clear error that names the file and the problem.</summary>
public sealed class BadFileTests
{
    private static byte[] Mlp() => File.ReadAllBytes(PyTorchModels.Onnx("mnist_mlp"));

    private static string LoadError(byte[] bytes, string name = "bad.onnx") =>
        Assert.Throws<InvalidDataException>(() => OnnxModel.Load(bytes, name)).Message;

    /// <summary>A tiny model: y = relu(x) through the given nodes, x: float [B, 4].</summary>
    private static ModelProto Tiny(params NodeProto[] nodes)
    {
        var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "tiny" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 13 });
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 4 });
        var type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } };
        model.Graph.Input.Add(new ValueInfoProto { Name = "x", Type = type });
        model.Graph.Output.Add(new ValueInfoProto { Name = "y", Type = type });
        model.Graph.Node.AddRange(nodes);
        return model;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    [Fact]
    public void Load_TruncatedFile_ErrorNamesFileAndTruncation()
    {
        byte[] bytes = Mlp();
        string message = LoadError(bytes[..(bytes.Length / 2)], "half.onnx");
        Assert.StartsWith("half.onnx: not", message, StringComparison.Ordinal);
        Assert.Contains("truncated", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongMagic_ErrorSaysNotAnOnnxModel()
    {
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R'];
        string message = LoadError(png, "picture.png");
        Assert.StartsWith("picture.png: not", message, StringComparison.Ordinal);
        Assert.Contains("ONNX", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InitializerSizeMismatch_ErrorNamesTensorAndBothSizes()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(Mlp());
        TensorProto bias = model.Graph.Initializer.Single(i => i.Name == "1.bias");
        bias.RawData = ByteString.CopyFrom(bias.RawData.Span[..^4]);
        string message = LoadError(model.ToByteArray());
        Assert.Equal("bad.onnx: tensor '1.bias' holds 508 bytes of data but its shape [128] of float needs 512.", message);
    }

    [Fact]
    public void Load_Cycle_ErrorNamesTheNodesOnIt()
    {
        ModelProto model = Tiny(Node("Relu", "first", ["x", "b"], "a"), Node("Add", "second", ["a", "x"], "b"), Node("Relu", "last", ["b"], "y"));
        model.Graph.Node[0].OpType = "Add";
        string message = LoadError(model.ToByteArray());
        Assert.Equal("bad.onnx: the graph has a cycle through node(s) 'first' (Add), 'second' (Add), 'last' (Relu).", message);
    }

    [Fact]
    public void Load_UndefinedInput_ErrorNamesNodeAndValue()
    {
        string message = LoadError(Tiny(Node("Add", "sum", ["x", "missing"], "y")).ToByteArray());
        Assert.Equal("bad.onnx: node 'sum' (Add) reads 'missing', which no input, initializer or node defines.", message);
    }

    [Fact]
    public void Load_UnsupportedOps_OneErrorListsEveryOpAndItsCount()
    {
        ModelProto model = Tiny(Node("Sin", "s1", ["x"], "a"), Node("Sin", "s2", ["a"], "b"), Node("HardSwish", "h", ["b"], "c"), Node("Relu", "r", ["c"], "y"));
        string message = LoadError(model.ToByteArray());
        Assert.StartsWith("bad.onnx: the model cannot be imported; unsupported ops: HardSwish ×1, Sin ×2. Supported ops: Add,", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OpsetOutsideRange_ErrorNamesOpset()
    {
        ModelProto model = Tiny(Node("Relu", "r", ["x"], "y"));
        model.OpsetImport[0].Version = 18;
        Assert.Equal("bad.onnx: the model uses opset 18 of the default domain; AutoGrad imports opsets 11 to 17.", LoadError(model.ToByteArray()));
    }

    [Fact]
    public void Load_TinyValidModel_RunsAtAnyBatchSize()
    {
        OnnxModel model = OnnxModel.Load(Tiny(Node("Relu", "r", ["x"], "y")).ToByteArray(), "tiny");
        var x = AutoGrad.Tensors.Tensor.FromArray(new float[] { -1, 2, -3, 4, 5, -6, 7, -8, 0, 1, 2, 3 }, 3, 4);
        Assert.Equal([0f, 2, 0, 4, 5, 0, 7, 0, 0, 1, 2, 3], model.Graph.Run(x)[0].ToArray());
    }
}
