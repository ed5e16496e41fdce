using System.Text.Json;
using AutoGrad.Data;
using AutoGrad.Tensors;

namespace AutoGrad.Onnx.Tests;

/// <summary>The PyTorch-trained models shipped in <c>data/</c> (copied from the shared ONNX folder) and the MNIST test set.</summary>
internal static class PyTorchModels
{
    public static string DataDirectory => Path.Combine(AppContext.BaseDirectory, "data");

    public static string Onnx(string model) => Path.Combine(DataDirectory, model + ".onnx");

    /// <summary>The stored sample: PyTorch's input (the first 8 test images), its output, and its MNIST test accuracy.</summary>
    public static (Tensor Input, Tensor Output, double Accuracy) Sample(string model)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDirectory, model + ".json")));
        Tensor Read(JsonElement t) => Tensor.FromArray(
            [.. t.GetProperty("data").EnumerateArray().Select(v => v.GetSingle())],
            [.. t.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32())]);
        JsonElement root = json.RootElement;
        return (Read(root.GetProperty("inputs").GetProperty("input")), Read(root.GetProperty("outputs").GetProperty("output")),
            root.GetProperty("test_accuracy").GetDouble());
    }

    /// <summary>The MNIST files that ship with the Mnist example (copied to this test's output with the project reference).</summary>
    public static MnistDataset Mnist()
    {
        string directory = DataDirectory;
        if (!File.Exists(Path.Combine(directory, MnistFiles.TestImagesFileName)))
        {
            directory = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "examples", "Mnist", "data"));
        }

        return MnistFiles.Load(directory);
    }

    /// <summary>Images [n, 28, 28] scaled to [0, 1] (PyTorch's preprocessing) and Int64 labels [n] as class indices.</summary>
    public static (Tensor Images, Tensor Labels) Tensors(MnistSplit split, int? limit = null)
    {
        int n = limit ?? split.Count;
        var pixels = new float[n * split.PixelsPerImage];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = split.Images[i] / 255f;
        }

        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = split.Labels[i];
        }

        return (Tensor.FromArray(pixels, n, split.Rows, split.Cols), Tensor.FromArray(labels, n));
    }
}
