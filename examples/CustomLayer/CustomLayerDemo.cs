using System.Globalization;
using AutoGrad.Differentiation;
using AutoGrad.Graphs;
using AutoGrad.NN;
using AutoGrad.NN.Callbacks;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;

namespace AutoGrad.Examples.CustomLayer;

/// <summary>What the demo found: the gradient checks and the trained model's accuracy.</summary>
/// <param name="FirstOrder">GradCheck of the highway layer against finite differences.</param>
/// <param name="SecondOrder">GradCheck of its second derivatives.</param>
/// <param name="Accuracy">The spiral classifier's accuracy on its training points after training.</param>
/// <param name="Forward">The layer's traced forward graph, as printed.</param>
/// <param name="Backward">The graph of its gradients that AutoGrad derived, as printed.</param>
public sealed record CustomLayerResult(GradCheckResult FirstOrder, GradCheckResult SecondOrder, double Accuracy, string Forward, string Backward);

/// <summary>The custom-layer example: write a forward pass, check its gradients, train it.</summary>
public static class CustomLayerDemo
{
    /// <summary>Runs the three steps, printing each.</summary>
    /// <param name="output">Receives the report.</param>
    /// <param name="epochs">Training epochs on the spirals.</param>
    /// <param name="seed">Seeds the data, the weights and the shuffling.</param>
    /// <returns>The gradient checks and the accuracy reached.</returns>
    public static CustomLayerResult Run(TextWriter output, int epochs = 100, long seed = 7)
    {
        Generator.ManualSeed(seed);

        output.WriteLine("1. Gradient check of Highway (y = t*h + (1-t)*x, h = relu(x Wh + bh), t = sigmoid(x Wt + bt))");
        output.WriteLine("   against float64 central differences, with respect to x and all four parameters:");
        var probe = new Highway(3);
        Tensor[] inputs = [Tensor.RandN([4, 3]), .. probe.ParameterTensors];
        static Tensor Function(Tensor[] v) => Highway.Apply(v[0], v[1], v[2], v[3], v[4]);
        GradCheckResult first = GradCheck.Check(Function, inputs);
        GradCheckResult second = GradCheck.CheckSecondOrder(Function, inputs);
        output.WriteLine($"   first order:  {first.Message}");
        output.WriteLine($"   second order: {second.Message}");
        output.WriteLine();

        output.WriteLine("2. A model with two highway layers, trained on two interleaved spirals:");
        (Tensor points, Tensor labels) = Spirals.Make(400, new Generator(seed));
        var model = new Sequential(new Dense(16, "tanh", inputSize: 2), new Highway(16), new Highway(16), new Dense(2, inputSize: 16));
        model.Compile(new Adam(model, 0.01), new CrossEntropy(), "accuracy");
        model.ProgressOutput = output;
        using (Autodiff.NoGrad())
        {
            model.Call(points.Slice(0, 0, 1)); // one point through, so the summary knows every output shape
        }
        output.Write(model.Summary());
        var printer = new LambdaCallback(onEpochEnd: (_, epoch, logs) =>
        {
            if (epoch == 1 || epoch % Math.Max(1, epochs / 6) == 0 || epoch == epochs)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   epoch {epoch,3}/{epochs}  loss {logs["loss"]:0.0000}  accuracy {logs["accuracy"]:0.000}"));
            }
        });
        model.Fit(points, labels, epochs, batchSize: 32, callbacks: [printer], verbose: Verbosity.Silent, seed: seed);
        double accuracy = model.Evaluate(points, labels, batchSize: 400)["accuracy"];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   final accuracy on the 400 spiral points: {100 * accuracy:F1}%"));
        output.WriteLine($"   parameters found in the custom layer: {string.Join(", ", model.NamedParameters().Select(p => p.Key).Where(k => k.StartsWith("highway.", StringComparison.Ordinal)))}");
        output.WriteLine();

        output.WriteLine("3. The layer as a graph (traced for any batch size B), and the gradient graph AutoGrad derived from it:");
        var highway = new Highway(4);
        Graph forward = Graph.Trace(x => highway.Call(x), TensorSpec.Batched(4));
        Graph backward = forward.Gradient();
        output.WriteLine(forward);
        output.WriteLine(backward);
        return new CustomLayerResult(first, second, accuracy, forward.ToString(), backward.ToString());
    }
}
