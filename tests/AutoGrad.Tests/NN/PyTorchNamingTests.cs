using System.Text.Json;
using AutoGrad.Differentiation;
using AutoGrad.IO;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using AutoGrad.Tests.IO;

namespace AutoGrad.Tests.NN;

/// <summary>
/// <see cref="WeightNaming.PyTorch"/>: <c>Save(path, naming: PyTorch)</c> writes PyTorch <c>state_dict</c> names and layouts,
/// and <c>Load</c> reads them — including the <c>*.torch.safetensors</c> files PyTorch wrote (shipped with the ONNX tests,
/// with PyTorch's outputs for the first 8 MNIST test images in the <c>.json</c> beside them).
/// </summary>
public sealed class PyTorchNamingTests
{
    private static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "data", "pytorch", name);

    private static string Weights(string model) => DataFile(model + ".torch.safetensors");

    /// <summary>PyTorch's stored input (the first 8 test images, [8, 28, 28] in [0, 1]) and its output logits [8, 10].</summary>
    private static (Tensor Input, Tensor Output) Sample(string model)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(DataFile(model + ".json")));
        static Tensor Read(JsonElement t) => Tensor.FromArray(
            [.. t.GetProperty("data").EnumerateArray().Select(v => v.GetSingle())],
            [.. t.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32())]);
        JsonElement root = json.RootElement;
        return (Read(root.GetProperty("inputs").GetProperty("input")), Read(root.GetProperty("outputs").GetProperty("output")));
    }

    /// <summary>The AutoGrad translations of the two PyTorch models (their torch module indices: 1, 3 and 0, 3, 7).</summary>
    private static Sequential Create(string model)
    {
        Sequential net = model == "mnist_mlp"
            ? new Sequential(new Flatten(), new Dense(128, "relu", inputSize: 784), new Dense(10, inputSize: 128))
            : new Sequential(new Conv2D(8, 3, activation: "relu", inChannels: 1), new MaxPool2D(2), new Conv2D(16, 3, activation: "relu", inChannels: 8),
                new MaxPool2D(2), new Flatten(), new Dense(10, inputSize: 400));
        net.Eval();
        return net;
    }

    private static Tensor Input(string model, Tensor images) => model == "mnist_cnn" ? images.Reshape(images.Shape[0], 1, 28, 28) : images;

    private static double MaxRelativeError(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        double[] a = actual.ToArray<double>(), e = expected.ToArray<double>();
        return a.Zip(e, (x, y) => Math.Abs(x - y) / Math.Max(Math.Abs(y), 1.0)).Max();
    }

    private static float[][] Snapshot(Layer model) => [.. model.StateDict().OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.ToArray<float>())];

    public static TheoryData<string, WeightNaming?> ModelsAndNamings => new()
    {
        { "mnist_mlp", null }, { "mnist_mlp", WeightNaming.PyTorch }, { "mnist_cnn", null }, { "mnist_cnn", WeightNaming.PyTorch },
    };

    [Theory]
    [MemberData(nameof(ModelsAndNamings))]
    public void Load_PyTorchSafetensors_ModelGivesPyTorchOutputs(string name, WeightNaming? naming)
    {
        // naming null: detected from the file's {"format": "pt"} metadata, which safetensors.torch.save_file writes.
        Sequential model = Create(name);
        model.Load(Weights(name), naming: naming);
        var (input, expected) = Sample(name);
        Tensor actual;
        using (Autodiff.NoGrad())
        {
            actual = model.Call(Input(name, input));
        }

        // Measured: 1.1e-6 (mlp) and 2.9e-6 (cnn): float32 summation order only.
        double error = MaxRelativeError(actual, expected);
        Assert.True(error <= 1e-5, $"{name}: differs from PyTorch's outputs by {error:E2}");
        Assert.Equal(expected.ArgMax(1).ToArray<float>(), actual.ArgMax(1).ToArray<float>());
    }

    [Theory]
    [InlineData("mnist_mlp")]
    [InlineData("mnist_cnn")]
    public void Save_ModelLoadedFromPyTorch_WritesTheSameNamesShapesAndValues(string name)
    {
        Sequential model = Create(name);
        model.Load(Weights(name));
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        model.Save(path, naming: WeightNaming.PyTorch);
        SafeTensorsContent original = SafeTensorsFile.Load(Weights(name)), written = SafeTensorsFile.Load(path);
        Assert.Equal(original.Entries.Select(e => e.Name).Order(StringComparer.Ordinal), written.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        foreach (SafeTensorEntry entry in original.Entries)
        {
            Assert.Equal(entry.Shape, written[entry.Name].Shape);
            Assert.Equal(entry.ToSingles(), written[entry.Name].ToSingles());
        }

        Assert.Equal("pt", written.Metadata["format"]);
    }

    [Fact]
    public void SaveLoad_PyTorchNaming_RoundTripsNormalizationAndNamesModulesLikeTorch()
    {
        var x = Tensor.RandN([5, 4], new Generator(1));
        Sequential Build(long seed)
        {
            Generator.Default.Reseed(seed);
            var net = new Sequential(new Dense(6, "tanh", inputSize: 4), new BatchNorm(), new LayerNorm(6),
                new Sequential(new Dense(5, inputSize: 6), new Dense(3, inputSize: 5)));
            net.Call(x); // training mode: the running statistics move away from 0 and 1
            net.Eval();
            return net;
        }

        Sequential model = Build(5), fresh = Build(6);
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        model.Save(path, naming: WeightNaming.PyTorch);

        var content = SafeTensorsFile.Load(path);
        Assert.Equal(
            ["0.bias", "0.weight", "2.bias", "2.num_batches_tracked", "2.running_mean", "2.running_var", "2.weight", "3.bias", "3.weight",
             "4.0.bias", "4.0.weight", "4.1.bias", "4.1.weight"],
            content.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal([6L, 4L], content["0.weight"].Shape);
        Assert.Equal(((Dense)model.Layers[0]).Kernel!.Transpose().ToArray<float>(), content["0.weight"].ToSingles());
        Assert.Equal(((BatchNorm)model.Layers[1]).RunningVar!.ToArray<float>(), content["2.running_var"].ToSingles());
        Assert.Equal("I64", content["2.num_batches_tracked"].DType);

        using (Autodiff.NoGrad())
        {
            Assert.NotEqual(model.Call(x).ToArray<float>(), fresh.Call(x).ToArray<float>());
            fresh.Load(path);
            Assert.Equal(model.Call(x).ToArray<float>(), fresh.Call(x).ToArray<float>());
        }

        Assert.Equal(Snapshot(model), Snapshot(fresh));
    }

    [Fact]
    public void Save_SingleLayerAndEmbedding_UnprefixedTorchModuleNames()
    {
        using var directory = new TempDirectory();
        string dense = directory.File("linear.safetensors"), embedding = directory.File("embedding.safetensors");
        new Dense(3, inputSize: 2).Save(dense, naming: WeightNaming.PyTorch);
        new Sequential(new Embedding(7, 3)).Save(embedding, naming: WeightNaming.PyTorch);
        Assert.Equal(["bias", "weight"], SafeTensorsFile.Load(dense).Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal([3L, 2L], SafeTensorsFile.Load(dense)["weight"].Shape);
        Assert.Equal(["0.weight"], SafeTensorsFile.Load(embedding).Entries.Select(e => e.Name));
        Assert.Equal([7L, 3L], SafeTensorsFile.Load(embedding)["0.weight"].Shape);
    }

    [Fact]
    public void Load_WrongArchitecture_ErrorNamesEveryMismatchAndLoadsNothing()
    {
        // Two kinds of wrong: no Flatten (so the module indices shift) and 64 hidden units instead of 128.
        var shifted = new Sequential(new Dense(128, "relu", inputSize: 784), new Dense(10, inputSize: 128));
        var before = Snapshot(shifted);
        var error = Assert.Throws<InvalidDataException>(() => shifted.Load(Weights("mnist_mlp")));
        Assert.StartsWith($"Load: '{Weights("mnist_mlp")}' (PyTorch names) does not match the model (8 problems; nothing was loaded):", error.Message, StringComparison.Ordinal);
        string dense = shifted.NamedLayers().Single(l => l.Value == shifted.Layers[0]).Key;
        Assert.Contains($"'0.weight': missing (Dense '{dense}' needs [128, 784] ([out, in]))", error.Message, StringComparison.Ordinal);
        Assert.Contains("'2.bias': missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("'1.weight': not in the model (its PyTorch names are 0.weight, 0.bias, 2.weight, 2.bias)", error.Message, StringComparison.Ordinal);
        Assert.Contains("'3.bias': not in the model", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(shifted));

        var narrow = new Sequential(new Flatten(), new Dense(64, "relu", inputSize: 784), new Dense(10, inputSize: 64));
        before = Snapshot(narrow);
        error = Assert.Throws<InvalidDataException>(() => narrow.Load(Weights("mnist_mlp")));
        Assert.Contains("(3 problems; nothing was loaded)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'1.weight': found [128, 784], but Dense '{narrow.NamedLayers().Single(l => l.Value == narrow.Layers[1]).Key}' needs [64, 784] ([out, in])", error.Message, StringComparison.Ordinal);
        Assert.Contains("'1.bias': found [128], but", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'3.weight': found [10, 128], but Dense '{narrow.NamedLayers().Single(l => l.Value == narrow.Layers[2]).Key}' needs [10, 64] ([out, in])", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(narrow));
    }

    [Fact]
    public void Load_TruncatedPyTorchFile_ErrorNamesTheFileAndLoadsNothing()
    {
        using var directory = new TempDirectory();
        string path = directory.File("truncated.safetensors");
        byte[] bytes = File.ReadAllBytes(Weights("mnist_mlp"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Sequential model = Create("mnist_mlp");
        var before = Snapshot(model);
        var error = Assert.Throws<InvalidDataException>(() => model.Load(path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(model));
    }

    [Fact]
    public void SaveLoad_PyTorchNamingWithOptimizer_RefusedBecauseTheFileHoldsWeightsOnly()
    {
        Sequential model = Create("mnist_mlp");
        var optimizer = new Sgd(model.Parameters(), learningRate: 0.1);
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var save = Assert.Throws<ArgumentException>(() => model.Save(path, optimizer, WeightNaming.PyTorch));
        Assert.Contains("weights only", save.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        var load = Assert.Throws<ArgumentException>(() => model.Load(Weights("mnist_mlp"), optimizer));
        Assert.Contains("weights only", load.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_PyTorchNamingOfUnmappedLayer_ThrowsAndKeepsTheOldFile()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var mapped = new Sequential(new Dense(2, inputSize: 3));
        mapped.Save(path, naming: WeightNaming.PyTorch);
        byte[] old = File.ReadAllBytes(path);

        var recurrent = new Sequential(new SimpleRnn(4), new Dense(2));
        recurrent.Call(Tensor.RandN([2, 5, 3], new Generator(2)));
        var error = Assert.Throws<NotSupportedException>(() => recurrent.Save(path, naming: WeightNaming.PyTorch));
        Assert.Contains($"SimpleRnn '{recurrent.NamedLayers().Single(l => l.Value == recurrent.Layers[0]).Key}' has weights but no PyTorch naming", error.Message, StringComparison.Ordinal);
        Assert.Equal(old, File.ReadAllBytes(path));
    }

    [Fact]
    public void Load_AutoGradCheckpoint_DetectedAsAutoGradNaming()
    {
        // The default naming still writes {"format": "autograd"}, so Load without a naming reads AutoGrad paths as before.
        Sequential model = Create("mnist_mlp"), other = Create("mnist_mlp");
        model.Load(Weights("mnist_mlp"));
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        model.Save(path);
        Assert.Equal("autograd", SafeTensorsFile.Load(path).Metadata["format"]);
        other.Load(path);
        Assert.Equal(Snapshot(model), Snapshot(other));
        var forced = Assert.Throws<InvalidDataException>(() => other.Load(path, naming: WeightNaming.PyTorch));
        Assert.Contains("'1.weight': missing", forced.Message, StringComparison.Ordinal);
    }
}
