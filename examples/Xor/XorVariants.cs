using AutoGrad.NN.Initializers;
using System.Globalization;
using AutoGrad.Differentiation;
using AutoGrad.NN;
using AutoGrad.NN.Callbacks;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;

namespace AutoGrad.Examples.Xor;

/// <summary>What a variant learned: its final loss and its output for each of the four inputs.</summary>
/// <param name="Variant">The variant that ran.</param>
/// <param name="Predictions">The network's output for 00, 01, 10, 11.</param>
/// <param name="FinalLoss">The training loss of the last epoch.</param>
public sealed record XorResult(XorVariant Variant, float[] Predictions, double FinalLoss)
{
    /// <summary>The class of each prediction: 1 when it is above the threshold between the variant's two targets.</summary>
    public int[] Classes => Predictions.Select(p => p > 0.5f ? 1 : 0).ToArray();

    /// <summary>Whether all four rounded predictions equal XOR.</summary>
    public bool LearnedXor => Classes.SequenceEqual([0, 1, 1, 0]);
}

/// <summary>The three XOR tutorials rebuilt with AutoGrad; not one derivative is written here.</summary>
public static class XorVariants
{
    /// <summary>The defaults of each variant: epochs and learning rate.</summary>
    /// <param name="variant">The variant.</param>
    /// <returns>Epochs and learning rate used when the command line gives none.</returns>
    public static (int Epochs, double LearningRate) Defaults(XorVariant variant) => variant switch
    {
        XorVariant.Tanh => (1000, 0.1),
        XorVariant.Keras => (300, 0.05),
        XorVariant.Sigmoid => (2000, 1.0),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "Unknown XOR variant."),
    };

    /// <summary>Trains the chosen variant, printing progress and the final table to <paramref name="output"/>.</summary>
    /// <param name="arguments">Variant, epochs, learning rate and seed.</param>
    /// <param name="output">Receives the epoch lines and the final table.</param>
    /// <returns>The predictions after training.</returns>
    public static XorResult Run(XorArguments arguments, TextWriter output)
    {
        (int defaultEpochs, double defaultRate) = Defaults(arguments.Variant);
        int epochs = arguments.Epochs ?? defaultEpochs;
        double rate = arguments.LearningRate ?? defaultRate;
        Generator.ManualSeed(arguments.Seed);
        XorResult result = arguments.Variant switch
        {
            XorVariant.Tanh => TanhLayers(epochs, rate, output),
            XorVariant.Keras => KerasStyle(epochs, rate, arguments.Seed, output),
            _ => SigmoidByHand(epochs, rate, output),
        };
        PrintTable(result, output);
        return result;
    }

    /// <summary>
    /// Variant 1: Dense(3)-tanh-Dense(1)-tanh, weights uniform in [-0.5, 0.5) like the tutorial, mean squared error,
    /// one SGD step per sample. The error printed is the mean of the four per-sample errors of the epoch.
    /// </summary>
    private static XorResult TanhLayers(int epochs, double rate, TextWriter output)
    {
        var init = new RandomUniform(-0.5, 0.5);
        var model = new Sequential(
            new Dense(3, inputSize: 2, kernelInitializer: init, biasInitializer: init),
            new NN.Layers.Tanh(),
            new Dense(1, inputSize: 3, kernelInitializer: init, biasInitializer: init),
            new NN.Layers.Tanh());
        var loss = new MeanSquaredError();
        var optimizer = new Sgd(model, rate);
        Tensor x = XorData.Inputs();
        Tensor y = XorData.Targets();

        double error = 0;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            error = 0;
            for (int i = 0; i < 4; i++)
            {
                optimizer.ZeroGrad();
                Tensor sampleLoss = loss.Compute(model.Call(x.Slice(0, i, i + 1)), y.Slice(0, i, i + 1));
                sampleLoss.Backward();
                optimizer.Step();
                error += sampleLoss.ItemDouble();
            }
            error /= 4;
            if (ShouldPrint(epoch, epochs))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{epochs}   error={error:F6}"));
            }
        }

        float[] predictions = model.Predict(x).ToArray();
        output.WriteLine();
        output.WriteLine("[" + string.Join(", ", predictions.Select(p => p.ToString("F5", CultureInfo.InvariantCulture))) + "]");
        return new XorResult(XorVariant.Tanh, predictions, error);
    }

    /// <summary>
    /// Variant 2: the Keras model, compiled and fitted on the four samples as one batch. Adam at 0.05 rather than
    /// Keras' default 0.001 so that a few hundred epochs suffice on four samples.
    /// </summary>
    private static XorResult KerasStyle(int epochs, double rate, long seed, TextWriter output)
    {
        var model = new Sequential(new Dense(3, "relu"), new Dense(1, "sigmoid"));
        model.Compile(new Adam(model, rate), new BinaryCrossEntropy(), "accuracy");
        model.ProgressOutput = output;
        var printer = new LambdaCallback(onEpochEnd: (_, epoch, logs) =>
        {
            if (ShouldPrint(epoch, epochs))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {epoch}/{epochs}   loss={logs["loss"]:F6}   accuracy={logs["accuracy"]:F2}"));
            }
        });

        History history = model.Fit(XorData.Inputs(), XorData.Targets(), epochs, batchSize: 4, callbacks: [printer], verbose: Verbosity.Silent, seed: seed);

        float[] predictions = model.Predict(XorData.Inputs()).ToArray();
        return new XorResult(XorVariant.Keras, predictions, history["loss"][^1]);
    }

    /// <summary>
    /// Variant 3: four bare tensors and the forward pass written out; <see cref="Autodiff.Grad"/> supplies the
    /// gradients the tutorial derived by hand (with mistakes). Weights start N(0, 1) rather than the tutorial's
    /// N(0, 1)·0.01, and the step is 1.0 rather than 0.01: with those settings the tutorial's network barely moves
    /// in 1000 epochs.
    /// </summary>
    private static XorResult SigmoidByHand(int epochs, double rate, TextWriter output)
    {
        Tensor w1 = Tensor.RandN([2, 3]).RequireGrad();
        Tensor b1 = Tensor.RandN([3]).RequireGrad();
        Tensor w2 = Tensor.RandN([3, 1]).RequireGrad();
        Tensor b2 = Tensor.RandN([1]).RequireGrad();
        Tensor[] parameters = [w1, b1, w2, b2];
        Tensor x = XorData.Inputs();
        Tensor y = XorData.Targets();

        Tensor Forward(Tensor input) => ((input.MatMul(w1) + b1).Sigmoid().MatMul(w2) + b2).Sigmoid();

        double cost = 0;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            Tensor a2 = Forward(x);
            Tensor loss = -((y * a2.Log()) + ((1 - y) * (1 - a2).Log())).Mean();
            Tensor[] gradients = Autodiff.Grad(loss, parameters);
            using (Autodiff.NoGrad())
            {
                for (int i = 0; i < parameters.Length; i++)
                {
                    parameters[i].AddInPlace(gradients[i], -rate);
                }
            }
            cost = loss.ItemDouble();
            if (ShouldPrint(epoch, epochs))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{epochs}   cost={cost:F6}"));
            }
        }

        float[] predictions;
        using (Autodiff.NoGrad())
        {
            predictions = Forward(x).ToArray();
        }
        return new XorResult(XorVariant.Sigmoid, predictions, cost);
    }

    // The first epoch, then ten evenly spaced ones: the tutorials print every 100th of 1000.
    private static bool ShouldPrint(int epoch, int epochs) => epoch == 1 || epoch == epochs || epoch % Math.Max(1, epochs / 10) == 0;

    private static void PrintTable(XorResult result, TextWriter output)
    {
        Tensor x = XorData.Inputs();
        Tensor y = XorData.Targets();
        output.WriteLine();
        output.WriteLine("input  target  prediction  class");
        for (int i = 0; i < 4; i++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{x[i, 0]:0} {x[i, 1]:0}    {y[i, 0],6:0}  {result.Predictions[i],10:F4}  {result.Classes[i],5}{(result.Classes[i] == (int)y[i, 0] ? "" : "  wrong")}"));
        }
        output.WriteLine(result.LearnedXor ? "All four right: the network learned XOR." : "Not all four right: try another --seed or more --epochs.");
    }
}
