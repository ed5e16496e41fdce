using System.Diagnostics;
using System.Globalization;
using AutoGrad.Data;
using AutoGrad.Differentiation;
using AutoGrad.NN;
using AutoGrad.NN.Callbacks;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Schedules;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;

namespace AutoGrad.Examples.Mnist;

/// <summary>The outcome of one training run.</summary>
/// <param name="History">One record per epoch (per logged iteration for the full-batch tutorial model).</param>
/// <param name="Confusion">The trained model's confusion matrix on the test set.</param>
/// <param name="WeightsPath">Where the trained weights were saved; <see langword="null"/> when not saved.</param>
/// <param name="TotalSeconds">Wall time of the training, evaluation included.</param>
public sealed record MnistRunResult(IReadOnlyList<EpochRecord> History, ConfusionMatrix Confusion, string? WeightsPath, double TotalSeconds, Sequential? Model = null);

/// <summary>Trains the MNIST models: the hyperparameters come from the spec unless the command line overrides them.</summary>
public static class MnistTrainer
{
    private const int EvaluationBatch = 1000;

    /// <summary>Trains <paramref name="spec"/> on <paramref name="data"/> as <paramref name="arguments"/> say.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="arguments">Epochs, batch size, learning rate, seed, training-set limit and output folder.</param>
    /// <param name="data">Training and test images.</param>
    /// <param name="output">Receives the summary and per-epoch lines (a live progress bar when it is the console).</param>
    /// <param name="saveWeights">Whether to save the trained weights under <see cref="MnistArguments.OutputDirectory"/>.</param>
    /// <returns>History, confusion matrix and weights path.</returns>
    public static MnistRunResult Train(MnistModelSpec spec, MnistArguments arguments, MnistDataset data, TextWriter output, bool saveWeights = true)
    {
        Generator.ManualSeed(arguments.Seed);
        int trainCount = Math.Min(arguments.TrainLimit ?? spec.TrainLimit ?? data.Train.Count, data.Train.Count);
        int epochs = arguments.Epochs ?? spec.Epochs;
        int batchSize = arguments.BatchSize ?? (spec.BatchSize == 0 ? trainCount : spec.BatchSize);
        double rate = arguments.LearningRate ?? spec.LearningRate;
        bool oneHot = spec.Name == MnistModels.TanhMse.Name; // MSE compares the outputs with one-hot rows

        Tensor xTrain = MnistTensors.Images(data.Train, 0, trainCount, spec.ImagesAsPlanes);
        Tensor yTrain = oneHot ? MnistTensors.OneHotLabels(data.Train, 0, trainCount) : MnistTensors.Labels(data.Train, 0, trainCount);
        int testCount = Math.Min(arguments.TestLimit ?? data.Test.Count, data.Test.Count);
        Tensor xTest = MnistTensors.Images(data.Test, 0, testCount, spec.ImagesAsPlanes);
        Tensor yTest = oneHot ? MnistTensors.OneHotLabels(data.Test, 0, testCount) : MnistTensors.Labels(data.Test, 0, testCount);

        Sequential model = MnistModels.Create(spec);
        Loss loss = oneHot ? new MeanSquaredError() : new CrossEntropy();
        Optimizer optimizer = spec.Name is "mlp" or "cnn" or "lstm" or "transformer" ? new Adam(model, rate) : new Sgd(model, rate);
        if (optimizer is Adam)
        {
            // Annealing the step to zero over the run settles the weights: worth a few tenths of a percent of test accuracy.
            int stepsPerEpoch = (trainCount + batchSize - 1) / batchSize;
            int totalSteps = epochs * stepsPerEpoch;
            int warmup = Math.Min(spec.WarmupSteps, totalSteps / 2);
            optimizer.Schedule = warmup > 0
                ? new WarmUp(new CosineDecay(rate, totalSteps - warmup), warmup)
                : new CosineDecay(rate, totalSteps);
        }
        // jit: every mini-batch runs one compiled graph holding the forward pass, the gradient and Adam's own update ops.
        model.Compile(optimizer, loss, ["accuracy"], jit: arguments.Execution == "jit");
        model.ProgressOutput = output;

        using (Autodiff.NoGrad())
        {
            model.Call(xTest.Slice(0, 0, 1)); // one image through, so the summary knows every output shape
        }
        output.WriteLine($"Model {spec.Name}: {spec.Description}");
        output.Write(model.Summary());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Training on {trainCount} images, testing on {testCount}: {epochs} {(spec.BatchSize == 0 ? "full-batch steps" : "epochs")}, batch size {batchSize}, {optimizer.Name} learning rate {rate}, seed {arguments.Seed}{(spec.BatchSize == 0 && arguments.BatchSize is null ? "" : $", {arguments.Execution}")}"));

        var clock = Stopwatch.StartNew();
        IReadOnlyList<EpochRecord> history = spec.BatchSize == 0 && arguments.BatchSize is null
            ? FullBatch(model, optimizer, loss, xTrain, yTrain, xTest, yTest, epochs, output)
            : WithFit(model, xTrain, yTrain, xTest, yTest, epochs, batchSize, arguments.Seed, output);

        int[] predicted = ArgMaxRows(model.Predict(xTest, EvaluationBatch));
        var confusion = new ConfusionMatrix(data.Test.Labels.Take(testCount).Select(l => (int)l).ToArray(), predicted);
        clock.Stop();

        string? weightsPath = null;
        if (saveWeights)
        {
            Directory.CreateDirectory(arguments.OutputDirectory);
            weightsPath = Path.Combine(arguments.OutputDirectory, $"{spec.Name}.safetensors");
            model.Save(weightsPath, optimizer);
        }
        return new MnistRunResult(history, confusion, weightsPath, clock.Elapsed.TotalSeconds, model);
    }

    /// <summary>
    /// Keras-style training: <c>Fit</c> with the test set as validation data, so each epoch line shows
    /// <c>val_accuracy</c> = test accuracy. A callback times each epoch for the plot.
    /// </summary>
    private static List<EpochRecord> WithFit(Sequential model, Tensor xTrain, Tensor yTrain, Tensor xTest, Tensor yTest,
        int epochs, int batchSize, long seed, TextWriter output)
    {
        output.WriteLine($"(val_ = the {xTest.Shape[0]} test images, never trained on)");
        var history = new List<EpochRecord>();
        var epochClock = new Stopwatch();
        var recorder = new LambdaCallback(
            onEpochBegin: (_, _) => epochClock.Restart(),
            onEpochEnd: (_, epoch, logs) => history.Add(new EpochRecord(
                epoch, logs["loss"], logs["accuracy"], logs["val_accuracy"], epochClock.Elapsed.TotalSeconds)));
        model.Fit(xTrain, yTrain, epochs, batchSize, shuffle: true, validationData: (xTest, yTest), callbacks: [recorder], seed: seed);
        return history;
    }

    /// <summary>
    /// The numpy tutorial's loop: every step sees all training images at once; like the tutorial it prints every
    /// 10th iteration, here with the training loss and both accuracies.
    /// </summary>
    private static List<EpochRecord> FullBatch(Sequential model, Optimizer optimizer, Loss loss, Tensor xTrain, Tensor yTrain,
        Tensor xTest, Tensor yTest, int iterations, TextWriter output)
    {
        var history = new List<EpochRecord>();
        var clock = Stopwatch.StartNew();
        int[] trainLabels = yTrain.ToArray().Select(v => (int)v).ToArray();
        int[] testLabels = yTest.ToArray().Select(v => (int)v).ToArray();
        for (int iteration = 1; iteration <= iterations; iteration++)
        {
            optimizer.ZeroGrad();
            Tensor scores = model.Call(xTrain);
            Tensor value = loss.Compute(scores, yTrain);
            value.Backward();
            optimizer.Step();

            if (iteration % 10 == 0 || iteration == 1 || iteration == iterations)
            {
                double trainAccuracy = Accuracy(ArgMaxRows(scores.Detach()), trainLabels);
                double testAccuracy = Accuracy(ArgMaxRows(model.Predict(xTest, EvaluationBatch)), testLabels);
                double seconds = clock.Elapsed.TotalSeconds;
                clock.Restart();
                history.Add(new EpochRecord(iteration, value.ItemDouble(), trainAccuracy, testAccuracy, seconds));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Iteration {iteration}/{iterations} - loss: {value.ItemDouble():0.0000} - accuracy: {trainAccuracy:0.0000} - test accuracy: {testAccuracy:0.0000} - {seconds:0.0}s"));
            }
        }
        return history;
    }

    /// <summary>The class with the highest score in each row of <c>[N, 10]</c> scores.</summary>
    /// <param name="scores">Model outputs, one row per image.</param>
    /// <returns>N class indices.</returns>
    public static int[] ArgMaxRows(Tensor scores)
    {
        using (Autodiff.NoGrad())
        {
            return scores.ArgMax(1).ToArray<int>();
        }
    }

    private static double Accuracy(int[] predicted, int[] actual) =>
        (double)predicted.Zip(actual).Count(p => p.First == p.Second) / actual.Length;
}
