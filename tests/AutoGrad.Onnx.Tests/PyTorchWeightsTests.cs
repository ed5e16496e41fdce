using AutoGrad.Differentiation;
using AutoGrad.IO;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.Onnx.Tests;

/// <summary>PyTorch state_dict names and layouts: the shipped <c>*.torch.safetensors</c> files (written by PyTorch) load and give PyTorch's outputs.</summary>
public sealed class PyTorchWeightsTests
{
    private static string Weights(string model) => Path.Combine(PyTorchModels.DataDirectory, model + ".torch.safetensors");

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

    public static TheoryData<string> Models => ["mnist_mlp", "mnist_cnn"];

    [Theory]
    [MemberData(nameof(Models))]
    public void Load_PyTorchSafetensors_ModelGivesPyTorchOutputs(string name)
    {
        Sequential model = Create(name);
        PyTorchWeights.Load(model, Weights(name));
        var (input, expected, _) = PyTorchModels.Sample(name);
        Tensor actual;
        using (Autodiff.NoGrad())
        {
            actual = model.Call(Input(name, input));
        }

        Ort.AssertClose([actual], [expected], 1e-5, name + " from torch.safetensors");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Save_ModelLoadedFromPyTorch_WritesTheSameNamesShapesAndValues(string name)
    {
        Sequential model = Create(name);
        PyTorchWeights.Load(model, Weights(name));
        string path = Path.Combine(Path.GetTempPath(), $"autograd-pt-{Guid.NewGuid():N}.safetensors");
        try
        {
            PyTorchWeights.Save(model, path);
            SafeTensorsContent original = SafeTensorsFile.Load(Weights(name)), written = SafeTensorsFile.Load(path);
            Assert.Equal(original.Entries.Select(e => e.Name).Order(), written.Entries.Select(e => e.Name).Order());
            foreach (SafeTensorEntry entry in original.Entries)
            {
                Assert.Equal(entry.Shape, written[entry.Name].Shape);
                Assert.Equal(entry.ToSingles(), written[entry.Name].ToSingles());
            }

            Assert.Equal("pt", written.Metadata["format"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Save_NormalizationAndEmbedding_UsePyTorchNamesAndRoundTrip()
    {
        Generator.Default.Reseed(5);
        var model = new Sequential(new Dense(6, "tanh", inputSize: 4), new BatchNorm(), new LayerNorm(6), new Dense(3, inputSize: 6));
        var x = Tensor.RandN([5, 4], new Generator(1));
        model.Call(x);
        model.Eval();
        string path = Path.Combine(Path.GetTempPath(), $"autograd-pt-{Guid.NewGuid():N}.safetensors");
        try
        {
            PyTorchWeights.Save(model, path);
            var content = SafeTensorsFile.Load(path);
            Assert.Equal(
                ["0.bias", "0.weight", "2.bias", "2.num_batches_tracked", "2.running_mean", "2.running_var", "2.weight", "3.bias", "3.weight", "4.bias", "4.weight"],
                content.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
            Assert.Equal([6L, 4L], content["0.weight"].Shape);
            Assert.Equal("I64", content["2.num_batches_tracked"].DType);

            Generator.Default.Reseed(6);
            var fresh = new Sequential(new Dense(6, "tanh", inputSize: 4), new BatchNorm(), new LayerNorm(6), new Dense(3, inputSize: 6));
            fresh.Call(x);
            fresh.Eval();
            PyTorchWeights.Load(fresh, path);
            using (Autodiff.NoGrad())
            {
                Assert.Equal(model.Call(x).ToArray(), fresh.Call(x).ToArray());
            }

            var embedding = new Sequential(new Embedding(7, 3));
            Assert.Equal(["0.weight"], PyTorchWeights.StateDict(embedding).Select(p => p.Key));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_WrongArchitecture_ErrorListsMissingAndUnexpectedNames()
    {
        var model = new Sequential(new Dense(128, "relu", inputSize: 784), new Dense(10, inputSize: 128));
        var error = Assert.Throws<InvalidDataException>(() => PyTorchWeights.Load(model, Weights("mnist_mlp")));
        Assert.Contains("missing 0.weight, 0.bias, 2.weight, 2.bias; unexpected ", error.Message, StringComparison.Ordinal);
        string unexpected = error.Message[error.Message.IndexOf("unexpected ", StringComparison.Ordinal)..];
        Assert.All(new[] { "1.weight", "1.bias", "3.weight", "3.bias" }, n => Assert.Contains(n, unexpected, StringComparison.Ordinal));
    }
}
