using AutoGrad.Differentiation;
using AutoGrad.Examples.Mnist;
using AutoGrad.Graphs;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Xunit.Abstractions;

namespace AutoGrad.Onnx.Tests;

/// <summary>Whole models and their gradient graphs, exported and run by ONNX Runtime at a batch size other than the traced ones.</summary>
public sealed class ModelExportTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models => ["xor", "mnist_mlp", "mnist_cnn", "custom_layer"];

    /// <summary>The model (in evaluation mode), its input spec and a batch of <paramref name="n"/> inputs with one-hot targets.</summary>
    private static (Model Model, TensorSpec Input, int Classes, Func<int, Generator, Tensor> Batch) Create(string name)
    {
        AutoGrad.Tensors.Generator.Default.Reseed(7);
        return name switch
        {
            "xor" => (new Sequential(new Dense(3, "tanh", inputSize: 2), new Dense(1, "sigmoid", inputSize: 3)), TensorSpec.Batched(2), 1,
                (n, g) => Tensor.RandInt(0, 2, [n, 2], g, DType.Float32)),
            "mnist_mlp" => (MnistModels.Create(MnistModels.Mlp), TensorSpec.Batched(784), 10, (n, g) => Tensor.Rand([n, 784], g)),
            // The CustomLayer example's Highway layer between two dense layers, classifying points of the plane.
            "custom_layer" => (new Sequential(new Dense(8, "tanh", inputSize: 2), new AutoGrad.Examples.CustomLayer.Highway(8), new Dense(2, inputSize: 8)),
                TensorSpec.Batched(2), 2, (n, g) => Tensor.RandN([n, 2], g)),
            _ => (MnistModels.Create(MnistModels.Cnn), new TensorSpec([Dim.B, 1, 28, 28]), 10, (n, g) => Tensor.Rand([n, 1, 28, 28], g)),
        };
    }

    /// <summary>Mean over the batch of the squared error (XOR) or of the cross-entropy against one-hot targets (MNIST).</summary>
    private static Tensor Loss(Tensor prediction, Tensor target, int classes) => classes == 1
        ? prediction.Sub(target).Square().Mean()
        : prediction.LogSoftmax(1).Mul(target).Sum([1]).Neg().Mean();

    private static Tensor Targets(int n, int classes, Generator g) =>
        classes == 1 ? Tensor.RandInt(0, 2, [n, 1], g, DType.Float32) : Tensor.RandInt(0, classes, [n], g).OneHot(classes);

    [Theory]
    [MemberData(nameof(Models))]
    public void Export_ModelForward_OrtMatchesAutoGradAtAnotherBatchSize(string name)
    {
        var (model, spec, _, batch) = Create(name);
        model.Eval();
        Graph graph = Graph.Trace(x => model.Call(x), spec);
        byte[] onnx = graph.ToOnnxBytes();

        Tensor x = batch(5, new Generator(1));
        Tensor expected;
        using (Autodiff.NoGrad())
        {
            expected = model.Call(x);
        }

        double error = Ort.AssertClose(Ort.Run(onnx, x), [expected], 1e-5, name);
        output.WriteLine($"{name} forward at batch 5: max relative difference {error:E2}");

        ModelProto proto = ModelProto.Parser.ParseFrom(onnx);
        Assert.Equal("B", proto.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(17, proto.OpsetImport.Single().Version);
        Assert.Equal(model.NamedParameters().Select(p => p.Key).Order(), proto.Graph.Initializer.Select(i => i.Name).Where(n => !n.StartsWith("const", StringComparison.Ordinal)).Order());
    }

    [Fact]
    public void Export_ModelOverANamedSequenceLength_OrtMatchesAutoGradAtEveryLength()
    {
        // Dense over [B, T, 4] merges B and T in a reshape; the mean over time divides by T: both computed from the input's
        // shape inside the ONNX graph, so one export serves every batch size and length.
        Generator.ManualSeed(5);
        var model = new Sequential(new Dense(6, "tanh", inputSize: 4), new Dense(3, inputSize: 6));
        var spec = new TensorSpec([Dim.B, Dim.Named("T"), 4]);
        Graph graph = Graph.Trace(x => model.Call(x).Mean(1), spec);
        byte[] onnx = graph.ToOnnxBytes();
        ModelProto proto = ModelProto.Parser.ParseFrom(onnx);
        Assert.Equal(["B", "T", ""], proto.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.DimParam).ToArray());

        using var session = new InferenceSession(onnx);
        foreach (var (batch, steps) in new[] { (2, 3), (5, 11) })
        {
            Tensor x = Tensor.RandN([batch, steps, 4], new Generator(steps));
            double error = Ort.AssertClose(Ort.Run(session, x), [model.Call(x).Mean(1)], 1e-5, $"B={batch}, T={steps}");
            output.WriteLine($"named length: B={batch}, T={steps}: max relative difference {error:E2}");
        }

        // Imported back, dim_param "T" is the named dimension T again, and the imported graph runs at every length.
        OnnxModel imported = OnnxModel.Load(onnx);
        Assert.Equal(["T"], imported.Graph.NamedDimensions);
        Assert.Equal("f32[B,T,4]", imported.Graph.Inputs[0].Type.ToString());
        foreach (int steps in new[] { 4, 9 })
        {
            Tensor x = Tensor.RandN([3, steps, 4], new Generator(steps + 1));
            Ort.AssertClose(imported.Graph.Compile().Run(x).ToArray(), [model.Call(x).Mean(1)], 1e-5, $"imported at T={steps}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Export_GradientGraph_OrtGradientsMatchAutoGrad(string name)
    {
        var (model, spec, classes, batch) = Create(name);
        model.Eval();
        // Every gradient graph is symbolic in the batch size, the CNN's too: max-pool's gradient is one max_pool2d_grad
        // op with no batch-sized attribute.
        Graph graph = Graph.Trace((x, y) => Loss(model.Call(x), y, classes), spec, TensorSpec.Batched(classes)).Gradient();
        Assert.Equal(1 + model.NamedParameters().Count, graph.Outputs.Length);
        byte[] onnx = graph.ToOnnxBytes();

        var g = new Generator(2);
        Tensor xs = batch(6, g), ys = Targets(6, classes, g);
        Tensor[] expected = graph.Run(xs, ys);
        Tensor[] actual = Ort.Run(onnx, xs, ys);
        double error = Ort.AssertClose(actual, expected, 1e-5, name + " gradient graph");
        output.WriteLine($"{name} loss and {expected.Length - 1} gradients at batch 6: max relative difference {error:E2}");

        // And against the eager tape, gradient by gradient.
        var parameters = model.Parameters();
        Tensor loss = Loss(model.Call(xs), ys, classes);
        Tensor[] eager = Autodiff.Grad(loss, parameters);
        Ort.AssertClose(actual.Skip(1).ToArray(), eager, 1e-5, name + " vs eager");
    }

    [Theory]
    [InlineData("xor")]
    [InlineData("mnist_mlp")]
    [InlineData("custom_layer")]
    [InlineData("mnist_cnn")]
    public void Export_ImportExportAgain_GraphsPrintIdentically(string name)
    {
        var (model, spec, _, _) = Create(name);
        model.Eval();
        Graph traced = Graph.Trace(x => model.Call(x), spec);
        byte[] exported = traced.ToOnnxBytes();
        Graph imported = OnnxModel.Load(exported, name).Graph;
        Assert.Equal(traced.ToString(), imported.ToString());
        Assert.Equal(exported, imported.ToOnnxBytes());
    }

    [Fact]
    public void Export_CnnForward_EachMaxPoolingIsOnePlainMaxPool_GradientGraphScattersThroughTheIndices()
    {
        var (model, spec, classes, _) = Create("mnist_cnn");
        model.Eval();
        NodeProto[] forward = [.. ModelProto.Parser.ParseFrom(Graph.Trace(x => model.Call(x), spec).ToOnnxBytes()).Graph.Node];
        Assert.Equal(2, forward.Count(n => n.OpType == "MaxPool"));
        Assert.All(forward.Where(n => n.OpType == "MaxPool"), n => Assert.Single(n.Output));
        Assert.DoesNotContain(forward, n => n.OpType is "GatherElements" or "Mod");

        // The gradient (max_pool2d_grad) scatters through the indices: MaxPool's second output, into the flattened input.
        Graph gradient = Graph.Trace((x, y) => Loss(model.Call(x), y, classes), TensorSpec.Fixed([6, 1, 28, 28]), TensorSpec.Fixed([6, classes])).Gradient();
        NodeProto[] backward = [.. ModelProto.Parser.ParseFrom(gradient.ToOnnxBytes()).Graph.Node];
        Assert.Equal(2, backward.Count(n => n.OpType == "MaxPool" && n.Output.Count == 2));
        Assert.Equal(2, backward.Count(n => n.OpType == "ScatterElements"));
        Assert.DoesNotContain(backward, n => n.OpType is "GatherElements" or "Mod");
    }

    [Fact]
    public void Export_GradientGraphOnFourShards_AveragedShardGradientsEqualWholeBatchGradient()
    {
        var (model, spec, classes, batch) = Create("mnist_mlp");
        model.Eval();
        Graph graph = Graph.Trace((x, y) => Loss(model.Call(x), y, classes), spec, TensorSpec.Batched(classes)).Gradient();
        byte[] onnx = graph.ToOnnxBytes();
        var g = new Generator(3);
        Tensor xs = batch(32, g), ys = Targets(32, classes, g);

        // Four engines, one shard each, as four workers of a data-parallel job would run them.
        var sessions = Enumerable.Range(0, 4).Select(_ => new InferenceSession(onnx)).ToArray();
        try
        {
            Tensor[]? sum = null;
            for (int k = 0; k < 4; k++)
            {
                Tensor[] shard = Ort.Run(sessions[k], xs.Slice(0, 8 * k, 8 * (k + 1)), ys.Slice(0, 8 * k, 8 * (k + 1)));
                sum = sum is null ? shard : [.. sum.Zip(shard, (a, b) => a.Add(b))];
            }

            Tensor[] averaged = [.. sum!.Select(t => t.Div(4))];
            Tensor[] whole = graph.Run(xs, ys);
            double error = Ort.AssertClose(averaged, whole, 1e-5, "averaged shard gradients");
            output.WriteLine($"4-shard average vs whole batch: max relative difference {error:E2}");
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }

    [Fact]
    public void Export_ModelInTrainingModeWithDropout_ErrorNamesTheOpAndNode()
    {
        var (model, spec, _, _) = Create("mnist_mlp");
        model.Train();
        Graph graph = Graph.Trace(x => model.Call(x), spec);
        var error = Assert.Throws<NotSupportedException>(() => graph.ToOnnxBytes());
        Assert.Contains("'dropout_mask[p=0.2]'", error.Message, StringComparison.Ordinal);
        int node = graph.Nodes.ToList().FindIndex(n => n.Op.Name == "dropout_mask");
        Assert.Contains($"node {node} ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToOnnx_WritesFile_OrtLoadsItWithTheGivenNames()
    {
        var (model, spec, _, batch) = Create("xor");
        model.Eval();
        Graph graph = Graph.Trace(x => model.Call(x), spec);
        string path = Path.Combine(Path.GetTempPath(), $"autograd-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            graph.ToOnnx(path, new OnnxExportOptions { InputNames = ["features"], OutputNames = ["probability"], BatchDimName = "batch" });
            using var session = new InferenceSession(path);
            Assert.Equal(["features"], session.InputNames);
            Assert.Equal(["probability"], session.OutputNames);
            Assert.Equal(-1, session.InputMetadata["features"].Dimensions[0]);
            Tensor x = batch(4, new Generator(4));
            Ort.AssertClose(Ort.Run(session, x), graph.Run(x), 1e-5, "xor from file");
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>The MNIST example's <c>--export-onnx</c>: ONNX Runtime classifies the test images exactly as the example reported.</summary>
public sealed class MnistExampleExportTests
{
    [Fact]
    public void MnistExample_ExportOnnx_OrtReproducesTheReportedTestAccuracy()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"autograd-mnist-onnx-{Guid.NewGuid():N}");
        string onnx = Path.Combine(directory, "mlp.onnx");
        try
        {
            var output = new StringWriter();
            int status = MnistProgram.Run(
                ["--model", "mlp", "--epochs", "1", "--train-limit", "2000", "--test-limit", "1000", "--out", directory, "--export-onnx", onnx], output, new StringWriter());
            Assert.Equal(0, status);
            Assert.Contains($"ONNX:      {onnx}", output.ToString(), StringComparison.Ordinal);
            string reported = output.ToString().Split('\n').Single(l => l.StartsWith("Test accuracy ", StringComparison.Ordinal));

            var (images, labels) = PyTorchModels.Tensors(PyTorchModels.Mnist().Test, 1000);
            float[] logits = Ort.Run(File.ReadAllBytes(onnx), images.Reshape(1000, 784))[0].ArgMax(1).ToArray();
            int correct = logits.Zip(labels.ToArray()).Count(p => p.First == p.Second);
            Assert.StartsWith(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Test accuracy {100.0 * correct / 1000:F2}%"), reported, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
