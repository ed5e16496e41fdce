using System.Text.RegularExpressions;
using AutoGrad.Data;
using AutoGrad.NN;
using AutoGrad.NN.Callbacks;
using AutoGrad.NN.Initializers;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;
using AutoGrad.Tests.IO;

namespace AutoGrad.Tests.NN;

public class TrainingTests
{
    private static readonly Tensor XorX = Tensor.FromArray(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });
    private static readonly Tensor XorY = Tensor.FromArray(new float[] { 0, 1, 1, 0 }, 4, 1);

    /// <summary>Runs on a fresh thread, whose default generator starts from the default seed whatever other tests drew.</summary>
    private static T OnFreshThread<T>(Func<T> body)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("The training thread failed.", failure);
        }

        return result;
    }

    [Fact]
    public void Fit_XorKerasStyleWithDefaults_LearnsFromTheDefaultSeed()
    {
        var (history, predictions) = OnFreshThread(() =>
        {
            var model = new Sequential(new Dense(3, "relu"), new Dense(1, "sigmoid"));
            model.Compile("rmsprop", "binary_cross_entropy", "accuracy");
            var h = model.Fit(XorX, XorY, epochs: 1000, verbose: Verbosity.Silent);
            return (h, model.Predict(XorX).ToArray());
        });

        Assert.Equal(1.0, history["accuracy"][^1]);
        Assert.True(history["loss"][^1] < 0.05, $"final loss {history["loss"][^1]}");
        Assert.True(predictions[0] < 0.1 && predictions[1] > 0.9 && predictions[2] > 0.9 && predictions[3] < 0.1, string.Join(", ", predictions));
    }

    [Fact]
    public void ManualLoop_Xor231TanhMsePerSampleSgd_Learns()
    {
        var predictions = OnFreshThread(() =>
        {
            var model = new Sequential(new Dense(3, "tanh"), new Dense(1, "tanh"));
            var loss = new MeanSquaredError();
            model.Call(XorX);
            var optimizer = new Sgd(model.Parameters(), learningRate: 0.1);
            var samples = new TensorDataset(XorX, XorY);
            for (int epoch = 0; epoch < 1000; epoch++)
            {
                for (int i = 0; i < samples.Count; i++)
                {
                    var batch = samples.Batch([i]);
                    optimizer.ZeroGrad();
                    loss.Compute(model.Call(batch[0]), batch[1]).Backward();
                    optimizer.Step();
                }
            }

            return model.Call(XorX).ToArray();
        });

        var expected = XorY.ToArray();
        for (int i = 0; i < 4; i++)
        {
            Assert.True(Math.Abs(predictions[i] - expected[i]) < 0.1, $"sample {i}: {predictions[i]}");
        }
    }

    [Fact]
    public void Fit_SameSeed_BitIdenticalRuns()
    {
        (double[] Losses, float[][] Weights) Run() => OnFreshThread(() =>
        {
            var x = Tensor.RandN([40, 3]);
            var y = x.Sum(-1, keepDims: true).Greater(0.0).To(DType.Float32);
            var model = new Sequential(new Dense(8, "relu"), new Dropout(0.2), new Dense(1, "sigmoid"));
            model.Compile(new Adam(model, 0.01), "bce", "accuracy");
            var history = model.Fit(x, y, epochs: 5, batchSize: 8, verbose: Verbosity.Silent);
            return (history["loss"].ToArray(), model.Parameters().Select(p => p.ToArray()).ToArray());
        });

        var a = Run();
        var b = Run();
        Assert.Equal(a.Losses, b.Losses);
        Assert.Equal(a.Weights.Length, b.Weights.Length);
        for (int i = 0; i < a.Weights.Length; i++)
        {
            Assert.Equal(a.Weights[i].Select(BitConverter.SingleToInt32Bits), b.Weights[i].Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Fit_OneFullBatchEpoch_EqualsOneManualStep()
    {
        Sequential Build() => new(new Dense(2, "tanh", kernelInitializer: new GlorotUniform(1), inputSize: 2), new Dense(1, kernelInitializer: new GlorotUniform(2), inputSize: 2));
        var keras = Build();
        keras.Compile(new Sgd(keras, 0.5), "mse");
        keras.Fit(XorX, XorY, epochs: 1, batchSize: 4, shuffle: false, verbose: Verbosity.Silent);

        var manual = Build();
        var optimizer = new Sgd(manual.Parameters(), 0.5);
        optimizer.ZeroGrad();
        new MeanSquaredError().Compute(manual.Call(XorX), XorY).Backward();
        optimizer.Step();

        Assert.Equal(manual.Parameters().SelectMany(p => p.ToArray()), keras.Parameters().SelectMany(p => p.ToArray()));
    }

    [Fact]
    public void Fit_ValidationSplit_RecordsTrainingAndValidationKeysPerEpoch()
    {
        var model = new Sequential(new Dense(1, "sigmoid", kernelInitializer: new GlorotUniform(3)));
        model.Compile("adam", "bce", "accuracy");
        var x = Tensor.RandN([10, 2], new Generator(4));
        var y = x.Sum(-1, keepDims: true).Greater(0.0).To(DType.Float32);
        var history = model.Fit(x, y, epochs: 3, batchSize: 4, validationSplit: 0.2, verbose: Verbosity.Silent, seed: 1);
        Assert.Equal(new[] { "loss", "accuracy", "val_loss", "val_accuracy" }, history.Keys.ToArray());
        Assert.Equal(3, history.Epochs);
        Assert.Equal(3, history["val_loss"].Count);

        // The held-out samples are the last two; evaluating them directly gives the last val_loss.
        var evaluated = model.Evaluate(x.Slice(0, 8, 10), y.Slice(0, 8, 10));
        Assert.Equal(history["val_loss"][^1], evaluated["loss"], 6);
    }

    [Fact]
    public void EvaluateAndPredict_BatchedInEvalMode_MatchDirectComputation()
    {
        var model = new Sequential(new Dense(3, "relu", kernelInitializer: new GlorotUniform(5)), new Dropout(0.9), new Dense(2, kernelInitializer: new GlorotUniform(6)));
        model.Compile("sgd", new CrossEntropy(), "accuracy");
        var x = Tensor.RandN([7, 4], new Generator(8));
        var labels = Tensor.FromArray(new long[] { 0, 1, 1, 0, 1, 0, 0 });

        var predicted = model.Predict(x, batchSize: 3);
        Assert.Equal(new[] { 7, 2 }, predicted.Shape.ToArray());
        Assert.True(model.Training, "Predict must restore training mode");

        model.Eval();
        var direct = model.Call(x);
        model.Train();
        Assert.Equal(direct.ToArray(), predicted.ToArray());

        var metrics = model.Evaluate(x, labels, batchSize: 3);
        Assert.Equal(new CrossEntropy().Compute(direct, labels).ItemDouble(), metrics["loss"], 5);
        var accuracy = new AutoGrad.NN.Metrics.CategoricalAccuracy();
        accuracy.Update(direct, labels);
        Assert.Equal(accuracy.Result(), metrics["accuracy"]);
    }

    [Fact]
    public void Fit_NotCompiled_SaysSo()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Sequential(new Dense(1)).Fit(XorX, XorY, verbose: Verbosity.Silent));
        Assert.Equal("Fit: the model is not compiled; call Compile(optimizer, loss, metrics) first.", error.Message);
    }

    [Fact]
    public void EarlyStopping_NoImprovement_StopsAfterPatienceAndRestoresBest()
    {
        var model = new Sequential(new Dense(1, kernelInitializer: new GlorotUniform(9), inputSize: 2));
        var optimizer = new Sgd(model, 0.1);
        model.Compile(optimizer, "mse");
        var stopping = new EarlyStopping("loss", patience: 2, restoreBestWeights: true);

        // From epoch 2 on the learning rate is negative, so the loss only gets worse. An epoch logs the loss seen during
        // it, before its own update took effect, so epoch 2 still shows the gain of epoch 1 and is the best.
        var scheduler = new LearningRateScheduler((epoch, _) => epoch == 0 ? 0.1 : -0.5);
        var history = model.Fit(XorX, XorY, epochs: 20, batchSize: 4, shuffle: false, callbacks: [scheduler, stopping], verbose: Verbosity.Silent);

        Assert.Equal(4, history.Epochs);
        Assert.Equal(4, stopping.StoppedEpoch);
        Assert.Equal(2, stopping.BestEpoch);
        var restoredLoss = model.Evaluate(XorX, XorY)["loss"];
        Assert.True(restoredLoss < history["loss"][^1], $"restored {restoredLoss} vs last {history["loss"][^1]}");
    }

    [Fact]
    public void EarlyStopping_MissingMonitor_ListsAvailableKeys()
    {
        var model = new Sequential(new Dense(1, inputSize: 2));
        model.Compile("sgd", "mse");
        var error = Assert.Throws<InvalidOperationException>(() => model.Fit(XorX, XorY, callbacks: [new EarlyStopping()], verbose: Verbosity.Silent));
        Assert.StartsWith("EarlyStopping: monitors 'val_loss', which is not in the epoch logs (loss).", error.Message);
    }

    [Fact]
    public void LearningRateScheduler_SetsRateAtEachEpochBegin()
    {
        var model = new Sequential(new Dense(1, inputSize: 2));
        var optimizer = new Sgd(model, 1.0);
        model.Compile(optimizer, "mse");
        var seen = new List<double>();
        var record = new LambdaCallback(onEpochEnd: (context, _, _) => seen.Add(context.Optimizer.LearningRate));
        model.Fit(XorX, XorY, epochs: 3, callbacks: [new LearningRateScheduler(new AutoGrad.NN.Schedules.ExponentialDecay(0.1, 0.5)), record], verbose: Verbosity.Silent);
        Assert.Equal(new[] { 0.1, 0.05, 0.025 }, seen.Select(v => Math.Round(v, 12)).ToArray());
    }

    [Fact]
    public void ModelCheckpoint_EpochPlaceholderAndBestOnly_WritesExpectedFiles()
    {
        using var directory = new TempDirectory();
        var model = new Sequential(new Dense(1, kernelInitializer: new GlorotUniform(9), inputSize: 2));
        model.Compile(new Sgd(model, 0.1), "mse");
        var every = new ModelCheckpoint(directory.File("every-{epoch}.safetensors"));
        var best = new ModelCheckpoint(directory.File("best.safetensors"), monitor: "loss", saveBestOnly: true);
        var scheduler = new LearningRateScheduler((epoch, _) => epoch == 0 ? 0.1 : -0.5);
        model.Fit(XorX, XorY, epochs: 3, batchSize: 4, callbacks: [scheduler, every, best], verbose: Verbosity.Silent);

        Assert.Equal(new[] { "best.safetensors", "every-1.safetensors", "every-2.safetensors", "every-3.safetensors" }, directory.FileNames());
        Assert.Equal(2, best.SavedPaths.Count);

        var reloaded = new Sequential(new Dense(1, inputSize: 2));
        reloaded.Load(directory.File("every-3.safetensors"));
        Assert.Equal(model.Parameters().SelectMany(p => p.ToArray()), reloaded.Parameters().SelectMany(p => p.ToArray()));
    }

    [Fact]
    public void Fit_CancelledDuringEpoch_ThrowsAndKeepsCompletedSteps()
    {
        var model = new Sequential(new Dense(1, inputSize: 2));
        var optimizer = new Sgd(model, 0.1);
        model.Compile(optimizer, "mse");
        using var cancellation = new CancellationTokenSource();
        var cancelAfterTwo = new LambdaCallback(onBatchEnd: (_, batch, _) =>
        {
            if (batch == 2)
            {
                cancellation.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() =>
            model.Fit(XorX, XorY, epochs: 5, batchSize: 1, callbacks: [cancelAfterTwo], verbose: Verbosity.Silent, cancellationToken: cancellation.Token));
        Assert.Equal(2, optimizer.StepCount);
    }

    [Fact]
    public void Fit_RedirectedOutput_OnePlainLinePerEpoch()
    {
        var model = new Sequential(new Dense(1, "sigmoid", inputSize: 2));
        model.Compile("sgd", "bce", "accuracy");
        var output = new StringWriter();
        model.ProgressOutput = output;
        model.Fit(XorX, XorY, epochs: 2, batchSize: 3, verbose: Verbosity.EpochLine);
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(new Regex(@"^Epoch 1/2 - 2/2 - [0-9.]+(ms|s) - loss: \d\.\d{4} - accuracy: \d\.\d{4}$"), lines[0]);
        Assert.StartsWith("Epoch 2/2 - 2/2 - ", lines[1]);
    }

    [Fact]
    public void Fit_ProgressBar_RedrawsInPlaceAndEndsEachEpochWithFullBar()
    {
        var model = new Sequential(new Dense(1, "sigmoid", inputSize: 2));
        model.Compile("sgd", "bce");
        var output = new StringWriter();
        model.ProgressOutput = output;
        model.Fit(XorX, XorY, epochs: 1, batchSize: 2, verbose: Verbosity.ProgressBar);
        string text = output.ToString();
        Assert.StartsWith("\rEpoch 1/1 [", text);
        Assert.Contains("[========================] 2/2 - ", text);
        Assert.EndsWith(Environment.NewLine, text);
        Assert.Single(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Fit_Silent_PrintsNothing()
    {
        var model = new Sequential(new Dense(1, inputSize: 2));
        model.Compile("sgd", "mse");
        var output = new StringWriter();
        model.ProgressOutput = output;
        model.Fit(XorX, XorY, epochs: 2, verbose: Verbosity.Silent);
        Assert.Equal(string.Empty, output.ToString());
    }
}
