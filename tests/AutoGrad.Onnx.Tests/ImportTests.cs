using AutoGrad.Differentiation;
using AutoGrad.Graphs;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using Xunit.Abstractions;

namespace AutoGrad.Onnx.Tests;

/// <summary>Importing the PyTorch-exported models: PyTorch's outputs and test accuracy reproduced, and fine-tuning works.</summary>
public sealed class ImportTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models => ["mnist_mlp", "mnist_cnn"];

    private static Tensor AsModelInput(string model, Tensor images) =>
        model == "mnist_cnn" ? images.Reshape(images.Shape[0], 1, 28, 28) : images;

    [Theory]
    [MemberData(nameof(Models))]
    public void Load_PyTorchModel_ReproducesPyTorchOutputs(string name)
    {
        OnnxModel model = OnnxModel.Load(PyTorchModels.Onnx(name));
        var (input, expected, _) = PyTorchModels.Sample(name);
        Assert.Equal(13, model.Opset);
        Assert.Equal(["input"], model.InputNames);
        Assert.True(model.Graph.IsSymbolic);

        Tensor graphOutput = model.Graph.Run(input)[0];
        Tensor eagerOutput;
        using (Autodiff.NoGrad())
        {
            eagerOutput = model.Call(input);
        }

        double error = Ort.AssertClose([graphOutput, eagerOutput], [expected, expected], 1e-5, name + " vs PyTorch");
        output.WriteLine($"{name}: max relative difference to PyTorch's outputs {error:E2}");

        // ONNX Runtime on the original file agrees too, at another batch size.
        Tensor three = input.Slice(0, 0, 3);
        double ort = Ort.AssertClose(Ort.Run(File.ReadAllBytes(PyTorchModels.Onnx(name)), three), model.Graph.Run(three), 1e-5, name + " vs ORT");
        output.WriteLine($"{name}: max relative difference to ONNX Runtime {ort:E2}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Load_PyTorchModel_ReproducesPyTorchTestAccuracyExactly(string name)
    {
        OnnxModel model = OnnxModel.Load(PyTorchModels.Onnx(name));
        var (images, labels) = PyTorchModels.Tensors(PyTorchModels.Mnist().Test);
        int correct = Correct(model, name, images, labels);
        double expected = PyTorchModels.Sample(name).Accuracy;
        output.WriteLine($"{name}: {correct}/10000 correct; PyTorch reported {expected:P2}");
        Assert.Equal((int)Math.Round(expected * 10000), correct);
    }

    [Fact]
    public void FineTune_ImportedMlpOneEpoch_RaisesTestAccuracy()
    {
        OnnxModel model = OnnxModel.Load(PyTorchModels.Onnx("mnist_mlp"));
        var mnist = PyTorchModels.Mnist();
        var (testImages, testLabels) = PyTorchModels.Tensors(mnist.Test);
        int before = Correct(model, "mnist_mlp", testImages, testLabels);

        var (images, labels) = PyTorchModels.Tensors(mnist.Train);
        Generator.Default.Reseed(11);
        model.Compile(new Adam(model, 1e-3), new AutoGrad.NN.Losses.CrossEntropy()); // on logits, like PyTorch's CrossEntropyLoss
        model.Fit(images, labels, epochs: 1, batchSize: 64, verbose: AutoGrad.NN.Training.Verbosity.Silent);
        int after = Correct(model, "mnist_mlp", testImages, testLabels);
        output.WriteLine($"fine-tuning one epoch: {before} → {after} of 10000");
        Assert.Equal(["initializers.1.bias", "initializers.1.weight", "initializers.3.bias", "initializers.3.weight"], model.NamedParameters().Select(p => p.Key).Order());
        Assert.True(after > before, $"accuracy {before} → {after}");
    }

    [Theory]
    [InlineData("mnist_mlp", "matmul[transpose_a=False, transpose_b=True]")]
    [InlineData("mnist_cnn", "max_pool2d[ceil_mode=False, kernel_size=(2,2), padding=(0,0), stride=(2,2)]")]
    public void Load_ExportLoadAgain_GraphsPrintIdentically(string name, string expectedNode)
    {
        // The CNN's max pooling exports as one plain MaxPool, which imports back to the same max_pool2d op.
        Graph first = OnnxModel.Load(PyTorchModels.Onnx(name)).Graph;
        byte[] exported = first.ToOnnxBytes();
        Graph second = OnnxModel.Load(exported, "re-exported").Graph;
        Assert.Equal(first.ToString(), second.ToString());
        Assert.Equal(exported, second.ToOnnxBytes());
        Assert.Contains(expectedNode, first.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ImportedGraph_GradientGraphEqualsEagerGradients()
    {
        OnnxModel model = OnnxModel.Load(PyTorchModels.Onnx("mnist_cnn"));
        var (input, _, _) = PyTorchModels.Sample("mnist_cnn");
        Graph gradient = Graph.Trace(x => model.Run(x)[0].LogSoftmax(1).Sum([1]).Mean().Neg(), TensorSpec.Fixed([8, 1, 28, 28])).Gradient();
        Assert.Equal(["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"], gradient.Parameters.Select(p => p.Name).ToArray());

        Tensor loss = model.Call(input).LogSoftmax(1).Sum([1]).Mean().Neg();
        Tensor[] eager = Autodiff.Grad(loss, [.. gradient.Parameters.Select(p => p.Value)]);
        Tensor[] traced = gradient.Run(input);
        Ort.AssertClose(traced.Skip(1).ToArray(), eager, 1e-5, "graph vs eager gradients");
        Ort.AssertClose(Ort.Run(gradient.ToOnnxBytes(), input).Skip(1).ToArray(), eager, 1e-5, "ORT vs eager gradients");
    }

    private static int Correct(OnnxModel model, string name, Tensor images, Tensor labels)
    {
        int correct = 0;
        int n = images.Shape[0];
        for (int start = 0; start < n; start += 1000)
        {
            Tensor batch = AsModelInput(name, images.Slice(0, start, Math.Min(n, start + 1000)));
            float[] predicted = model.Graph.Run(batch)[0].ArgMax(1).ToArray();
            float[] truth = labels.Slice(0, start, Math.Min(n, start + 1000)).ToArray();
            correct += predicted.Zip(truth).Count(p => p.First == p.Second);
        }

        return correct;
    }
}
