using System.Globalization;
using AutoGrad.Data;
using AutoGrad.Graphs;
using AutoGrad.Onnx;
using AutoGrad.Tensors;

namespace AutoGrad.Examples.Mnist;

/// <summary>The MNIST example's main program, callable from tests with its own writers.</summary>
public static class MnistProgram
{
    /// <summary>Parses the arguments, trains the chosen model, writes weights, plot and confusion matrix.</summary>
    /// <param name="args">The command line (see <see cref="MnistArguments.Usage"/>).</param>
    /// <param name="output">Receives progress and results.</param>
    /// <param name="error">Receives usage errors.</param>
    /// <returns>The process exit code: 0 on success, 2 for a bad command line, 1 when the data cannot be had.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        MnistArguments arguments;
        try
        {
            arguments = MnistArguments.Parse(args);
        }
        catch (FormatException e)
        {
            CommandLine.WriteError(e, MnistArguments.Command, args, error);
            return 2;
        }
        if (arguments.Help)
        {
            output.WriteLine(MnistArguments.Usage);
            return 0;
        }

        MnistDataset data;
        try
        {
            string directory = MnistDataLocator.Resolve(arguments.DataDirectory, output.WriteLine);
            data = MnistFiles.Load(directory);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"Cannot load MNIST: {e.Message}");
            return 1;
        }

        MnistModelSpec spec = MnistModels.Get(arguments.Model);
        MnistRunResult result = MnistTrainer.Train(spec, arguments, data, output);

        Directory.CreateDirectory(arguments.OutputDirectory);
        string plotPath = Path.Combine(arguments.OutputDirectory, $"{spec.Name}-training.png");
        bool fullBatch = spec.BatchSize == 0 && arguments.BatchSize is null;
        TrainingPlot.Save(plotPath, $"MNIST, model {spec.Name}", result.History, xLabel: fullBatch ? "iteration (full batch)" : "epoch");
        string matrixPath = Path.Combine(arguments.OutputDirectory, $"{spec.Name}-confusion.txt");
        string matrix = result.Confusion.ToString();
        File.WriteAllText(matrixPath, matrix);

        output.WriteLine();
        output.WriteLine("Confusion matrix on the test set (rows: true digit, columns: predicted):");
        output.Write(matrix);
        output.WriteLine();
        output.WriteLine($"Weights:   {result.WeightsPath}");
        output.WriteLine($"Plot:      {plotPath}");
        output.WriteLine($"Confusion: {matrixPath}");
        if (arguments.ExportOnnx is { } onnxPath && result.Model is { } model)
        {
            // Evaluation mode: dropout is the identity (its random mask has no ONNX counterpart).
            model.Eval();
            TensorSpec input = spec.ImagesAsPlanes ? new TensorSpec([Dim.B, 1, MnistFiles.ImageSize, MnistFiles.ImageSize]) : TensorSpec.Batched(MnistFiles.ImageSize * MnistFiles.ImageSize);
            Graph.Trace(x => model.Call(x), input).ToOnnx(onnxPath);
            output.WriteLine($"ONNX:      {onnxPath}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test accuracy {100 * result.Confusion.Accuracy:F2}% after {arguments.Epochs ?? spec.Epochs} {(fullBatch ? "iterations" : "epochs")} in {result.TotalSeconds:F1} s"));
        return 0;
    }
}
