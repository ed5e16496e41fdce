using AutoGrad.Data;
using AutoGrad.Graphs;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AutoGrad.Onnx.Tests;

/// <summary>docs/onnx.md's "classify with ONNX Runtime" block, verbatim, run on the shipped MNIST test set.</summary>
public class DocsClassifyTests
{
    [Fact]
    public void ClassifySnippet_AppearsInTheDocs_AndClassifiesTheTestSetLikeAutoGrad()
    {
        string root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
        string docs = File.ReadAllText(Path.Combine(root, "docs", "onnx.md")).Replace("\r\n", "\n");
        Assert.Contains(SnippetFromThisFile(root), docs, StringComparison.Ordinal);

        // The snippet runs from a repository root; a scratch directory with the shipped MNIST files stands in for it.
        string directory = Path.Combine(Path.GetTempPath(), $"autograd-docs-classify-{Guid.NewGuid():N}");
        string data = Path.Combine(directory, "examples", "Mnist", "data");
        Directory.CreateDirectory(data);
        foreach (string file in Directory.GetFiles(Path.Combine(root, "examples", "Mnist", "data"), "*.gz"))
        {
            File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        }

        string previous = Environment.CurrentDirectory;
        var output = new StringWriter();
        TextWriter console = Console.Out;
        Sequential? trained = null;
        MnistDataset? dataset = null;
        try
        {
            Environment.CurrentDirectory = directory;
            Console.SetOut(output);
            Generator.ManualSeed(2);
            // ---- the snippet, verbatim ----
            MnistDataset mnist = MnistFiles.Load("examples/Mnist/data"); // the copy shipped with the repository
            var (trainImages, trainLabels) = (mnist.Train.ImagesTensor(), mnist.Train.LabelsTensor());
            var classifier = new Sequential(new Dense(64, "relu"), new Dense(10));
            classifier.Compile(new Adam(classifier, 1e-3), new CrossEntropy(), jit: true);
            classifier.Fit(trainImages.Slice(0, 0, 5000), trainLabels.Slice(0, 0, 5000), epochs: 2, verbose: Verbosity.Silent);
            classifier.ToOnnx("classifier.onnx", TensorSpec.Batched(784));

            using var ort = new InferenceSession("classifier.onnx");
            float[] testPixels = mnist.Test.ImagesTensor().ToArray();
            var testImages = new DenseTensor<float>(testPixels, [mnist.Test.Count, 784]);
            using var ortOutputs = ort.Run([NamedOnnxValue.CreateFromTensor(ort.InputNames[0], testImages)]);
            float[] scores = ortOutputs[0].AsTensor<float>().ToArray();
            int correct = Enumerable.Range(0, mnist.Test.Count)
                .Count(i => Array.IndexOf(scores, scores.Skip(10 * i).Take(10).Max(), 10 * i, 10) - (10 * i) == mnist.Test.Labels[i]);
            Console.WriteLine($"ONNX Runtime: {correct} of {mnist.Test.Count} test images right");
            // ---- end of the snippet ----
            trained = classifier;
            dataset = mnist;
        }
        finally
        {
            Console.SetOut(console);
            Environment.CurrentDirectory = previous;
            Directory.Delete(directory, recursive: true);
        }

        // ONNX Runtime's count equals AutoGrad's own predictions on the same images.
        float[] autograd = trained!.Predict(dataset!.Test.ImagesTensor(), 1000).ArgMax(1).ToArray();
        int expected = Enumerable.Range(0, dataset.Test.Count).Count(i => (int)autograd[i] == dataset.Test.Labels[i]);
        Assert.Equal($"ONNX Runtime: {expected} of {dataset.Test.Count} test images right\n", output.ToString().Replace("\r\n", "\n"));
        Assert.True(expected > 8500, $"{expected} of 10000");
    }

    /// <summary>The lines between the snippet markers below, unindented: the one copy the docs page must contain.</summary>
    private static string SnippetFromThisFile(string root)
    {
        string[] lines = File.ReadAllLines(Path.Combine(root, "tests", "AutoGrad.Onnx.Tests", "DocsClassifyTests.cs"));
        int first = Array.FindIndex(lines, l => l.Trim() == "// ---- the snippet, verbatim ----") + 1;
        int last = Array.FindIndex(lines, l => l.Trim() == "// ---- end of the snippet ----");
        Assert.True(first > 0 && last > first, "snippet markers not found");
        return string.Join("\n", lines[first..last].Select(l => l.Length >= 12 ? l[12..] : l.TrimStart())) + "\n";
    }
}
