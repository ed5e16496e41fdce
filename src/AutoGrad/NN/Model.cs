using AutoGrad.Data;
using AutoGrad.Differentiation;
using AutoGrad.NN.Callbacks;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Metrics;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>
/// A layer that can be trained Keras-style: <see cref="Compile(Optimizer?, Loss, Metric[])"/>, then
/// <see cref="Fit(Tensor, Tensor, int, int, bool, double, ValueTuple{Tensor, Tensor}?, IEnumerable{Callback}?, Verbosity, long?, CancellationToken)"/>,
/// <see cref="Evaluate(Tensor, Tensor, int)"/> and <see cref="Predict"/>. Subclass it for custom models (fields holding layers are
/// discovered like any layer's); models can contain other models.
/// </summary>
public abstract class Model : Layer
{
    private Metric[] metrics = [];
    private TextWriter progressOutput = Console.Out;
    private CompiledFitStep? compiledStep;

    /// <summary>The loss a prediction-kind warning was printed for (once per loss given to Compile).</summary>
    private Loss? warnedLoss;

    /// <summary>Creates a model with an optional name.</summary>
    protected Model(string? name = null)
        : base(name)
    {
    }

    /// <summary>The optimizer given to <see cref="Compile(Optimizer?, Loss, Metric[])"/>, or null before.</summary>
    public Optimizer? Optimizer { get; private set; }

    /// <summary>The loss given to Compile, or null before.</summary>
    public Loss? Loss { get; private set; }

    /// <summary>The metrics given to Compile.</summary>
    public IReadOnlyList<Metric> Metrics => metrics;

    /// <summary>Where progress and warnings are printed; <see cref="Console.Out"/> by default.</summary>
    /// <exception cref="ArgumentNullException">Set to null (use <see cref="TextWriter.Null"/> to discard the output).</exception>
    public TextWriter ProgressOutput
    {
        get => progressOutput;
        set => progressOutput = value ?? throw new ArgumentNullException(nameof(value),
            "ProgressOutput cannot be null; assign TextWriter.Null to discard progress, or pass verbose: Verbosity.Silent to Fit.");
    }

    /// <summary>Sets the optimizer, loss and metrics used by Fit and Evaluate.</summary>
    /// <param name="optimizer">The optimizer; when null, <see cref="RmsProp"/> over this model with its defaults (as Keras defaults to RMSprop).</param>
    /// <param name="loss">The loss (implicitly from a name such as <c>"binary_crossentropy"</c>; names take probabilities as in
    /// Keras, see <see cref="Loss.FromName"/>). On the first batch of <c>Fit</c>, a model output that looks like the other kind
    /// (a softmax or sigmoid output into a logits loss, values outside [0, 1] into a probability loss) prints a warning
    /// to <see cref="ProgressOutput"/>, once.</param>
    /// <param name="metrics">Metrics to report (implicitly from names such as <c>"accuracy"</c>).</param>
    public Model Compile(Optimizer? optimizer, Loss loss, params Metric[] metrics) => Compile(optimizer, loss, metrics, jit: false);

    /// <summary>
    /// Sets the optimizer, loss and metrics used by Fit and Evaluate, and whether <see cref="Fit(DataLoader, int, DataLoader?, IEnumerable{Callback}?, Verbosity, CancellationToken)"/>
    /// trains through a compiled step (Keras' <c>jit_compile</c>).
    /// </summary>
    /// <param name="optimizer">The optimizer; when null, <see cref="RmsProp"/> over this model with its defaults.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="metrics">Metrics to report.</param>
    /// <param name="jit">When true, each training batch runs one compiled graph — forward, gradient and the optimizer's own
    /// update ops, traced once per input shape (see <see cref="Graphs.Compilation.CompiledTrainingStep"/>) — instead of
    /// eager ops. Weights, optimizer state, callbacks, metrics and checkpoints behave exactly as in eager training.</param>
    public Model Compile(Optimizer? optimizer, Loss loss, IEnumerable<Metric>? metrics = null, bool jit = false)
    {
        Optimizer = optimizer ?? new RmsProp(this);
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        this.metrics = metrics?.ToArray() ?? [];
        Jit = jit;
        compiledStep = null;
        return this;
    }

    /// <summary>Compile with an optimizer by name (see <see cref="Compile(string, Loss, Metric[])"/>), optionally compiled training.</summary>
    /// <exception cref="ArgumentException">Unknown optimizer name.</exception>
    public Model Compile(string optimizer, Loss loss, IEnumerable<Metric>? metrics = null, bool jit = false) =>
        Compile(CreateOptimizer(optimizer), loss, metrics, jit);

    /// <summary>Whether Fit trains through a compiled step (set by Compile's <c>jit</c>).</summary>
    public bool Jit { get; set; }

    /// <summary>
    /// With <see cref="Jit"/>, whether the compiled step splits each batch across two cores (see
    /// <see cref="Graphs.Compilation.CompiledTrainingStep"/>): <c>Auto</c> (the default) when the loss is proved splittable
    /// and the step does enough work per batch and per weight, <c>Off</c> never, <c>On</c> always (the first batch throws when the loss cannot be split).
    /// </summary>
    public Graphs.Compilation.DataParallel DataParallel { get; set; }

    /// <summary>
    /// Compile with an optimizer by name and its default settings over this model's parameters: <c>adam</c>
    /// (learning rate 0.001), <c>adamw</c>, <c>sgd</c> (0.01), <c>rmsprop</c> (0.01), <c>adagrad</c> (0.01).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown optimizer name.</exception>
    public Model Compile(string optimizer, Loss loss, params Metric[] metrics) => Compile(CreateOptimizer(optimizer), loss, metrics);

    /// <summary>
    /// Trains on in-memory tensors for a number of epochs and returns the per-epoch history.
    /// </summary>
    /// <param name="x">Inputs, samples along axis 0.</param>
    /// <param name="y">Targets, samples along axis 0.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Samples per optimizer step (the last batch may be smaller).</param>
    /// <param name="shuffle">Whether to reshuffle the training samples every epoch.</param>
    /// <param name="validationSplit">Fraction in [0, 1) of samples, taken from the end before shuffling, held out for validation.</param>
    /// <param name="validationData">Explicit validation inputs and targets (overrides <paramref name="validationSplit"/>).</param>
    /// <param name="callbacks">Hooks such as <see cref="EarlyStopping"/>.</param>
    /// <param name="verbose">Progress output (see <see cref="Verbosity"/>).</param>
    /// <param name="seed">Seed of the shuffling; drawn from <see cref="Generator.Default"/> when null.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <exception cref="InvalidOperationException">The model was not compiled, or its optimizer updates tensors that are not this model's parameters (see <see cref="Layer.To"/>).</exception>
    /// <exception cref="ArgumentException">There are no training samples, or <paramref name="validationSplit"/> is outside [0, 1) or NaN.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the weights keep the updates made so far.</exception>
    public History Fit(Tensor x, Tensor y, int epochs = 1, int batchSize = 32, bool shuffle = true, double validationSplit = 0,
        (Tensor X, Tensor Y)? validationData = null, IEnumerable<Callback>? callbacks = null, Verbosity verbose = Verbosity.Auto,
        long? seed = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        RequireSamples("Fit", x, y);
        if (!(validationSplit is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, $"Fit: validationSplit must be in [0, 1); got {validationSplit}.");
        }

        var all = new TensorDataset(x, y);
        TensorDataset train = all;
        DataLoader? validation = null;
        if (validationData is { } data)
        {
            validation = new DataLoader(new TensorDataset(data.X, data.Y), batchSize);
        }
        else if (validationSplit > 0)
        {
            int held = (int)(all.Count * validationSplit);
            if (held == 0 || held == all.Count)
            {
                throw new ArgumentException($"Fit: validationSplit {validationSplit} of {all.Count} samples leaves {held} for validation and {all.Count - held} for training; both need at least one.");
            }

            train = all.Subset([.. Enumerable.Range(0, all.Count - held)]);
            validation = new DataLoader(all.Subset([.. Enumerable.Range(all.Count - held, held)]), batchSize);
        }

        return Fit(new DataLoader(train, batchSize, shuffle, seed: seed), epochs, validation, callbacks, verbose, cancellationToken);
    }

    /// <summary>Trains from a data loader whose batches are (inputs, targets); see the tensor overload.</summary>
    public History Fit(DataLoader train, int epochs = 1, DataLoader? validation = null, IEnumerable<Callback>? callbacks = null,
        Verbosity verbose = Verbosity.Auto, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        var (optimizer, loss) = RequireCompiled("Fit");
        RequireBatches("Fit", train, "training");
        if (validation is not null)
        {
            RequireBatches("Fit", validation, "validation");
        }

        RequireOptimizerOverThisModel(optimizer);
        var history = new History();
        var context = new TrainingContext(this, optimizer, epochs, history);
        var callbackList = callbacks?.ToList() ?? [];
        var progress = new ProgressReporter(ProgressOutput, verbose, epochs);
        bool wasTraining = Training;

        foreach (var callback in callbackList)
        {
            callback.OnTrainBegin(context);
        }

        try
        {
            for (int epoch = 1; epoch <= epochs && !context.StopTraining; epoch++)
            {
                foreach (var callback in callbackList)
                {
                    callback.OnEpochBegin(context, epoch);
                }

                progress.EpochBegin();
                Train();
                ResetMetrics();
                double lossSum = 0;
                long seen = 0;
                int batchIndex = 0, batches = train.Count;
                var running = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var batch in train)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    RequireBatch(batch);
                    Tensor prediction;
                    double batchLoss;
                    if (Jit)
                    {
                        compiledStep = CompiledFitStep.For(compiledStep, this, optimizer, loss, batch[0], batch[1]);
                        (batchLoss, prediction) = compiledStep.Run(batch[0], batch[1]);
                    }
                    else
                    {
                        optimizer.ZeroGrad();
                        prediction = Call(batch[0]);
                        Tensor lossValue = loss.Compute(prediction, batch[1]);
                        lossValue.Backward();
                        optimizer.Step();
                        batchLoss = lossValue.ItemDouble();
                    }

                    if (batchIndex == 0 && epoch == 1)
                    {
                        WarnOnPredictionKind(loss, prediction);
                    }

                    int count = batch[0].Shape[0];
                    lossSum += batchLoss * count;
                    seen += count;
                    UpdateMetrics(prediction, batch[1]);
                    batchIndex++;
                    foreach (var callback in callbackList)
                    {
                        callback.OnBatchEnd(context, batchIndex, batchLoss);
                    }

                    if (progress.Mode == Verbosity.ProgressBar)
                    {
                        running["loss"] = lossSum / seen;
                        AddMetrics(running, string.Empty);
                        progress.BatchEnd(epoch, batchIndex, batches, running);
                    }
                }

                var logs = new Dictionary<string, double>(StringComparer.Ordinal) { ["loss"] = seen == 0 ? 0 : lossSum / seen };
                AddMetrics(logs, string.Empty);
                if (validation is not null)
                {
                    foreach (var (key, value) in EvaluateCore(validation, loss))
                    {
                        logs["val_" + key] = value;
                    }
                }

                history.Add(logs);
                progress.EpochEnd(epoch, batches, logs);
                foreach (var callback in callbackList)
                {
                    callback.OnEpochEnd(context, epoch, logs);
                }
            }
        }
        finally
        {
            Train(wasTraining);
        }

        foreach (var callback in callbackList)
        {
            callback.OnTrainEnd(context);
        }

        return history;
    }

    /// <summary>The loss and metrics over a dataset, in evaluation mode and without recording gradients.</summary>
    /// <exception cref="InvalidOperationException">The model was not compiled.</exception>
    /// <exception cref="ArgumentException">There are no samples (a loss over nothing is undefined, not 0).</exception>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor x, Tensor y, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var (_, loss) = RequireCompiled("Evaluate");
        RequireSamples("Evaluate", x, y);
        return EvaluateCore(new DataLoader(new TensorDataset(x, y), batchSize), loss);
    }

    /// <summary>The loss and metrics over a loader's (inputs, targets) batches, in evaluation mode.</summary>
    /// <exception cref="InvalidOperationException">The model was not compiled.</exception>
    /// <exception cref="ArgumentException">The loader yields no batches.</exception>
    public IReadOnlyDictionary<string, double> Evaluate(DataLoader data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (_, loss) = RequireCompiled("Evaluate");
        RequireBatches("Evaluate", data, "evaluation");
        return EvaluateCore(data, loss);
    }

    /// <summary>
    /// The model's outputs for every sample, computed in batches in evaluation mode without recording gradients.
    /// Zero samples give an empty output of the model's output shape (e.g. <c>[0, classes]</c>).
    /// </summary>
    public Tensor Predict(Tensor x, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(x);
        bool wasTraining = Training;
        Eval();
        try
        {
            using (Autodiff.NoGrad())
            {
                if (x.Rank > 0 && x.Shape[0] == 0)
                {
                    return Call(x);
                }

                var outputs = new List<Tensor>();
                foreach (var batch in new DataLoader(new TensorDataset(x), batchSize))
                {
                    outputs.Add(Call(batch[0]));
                }

                return ConcatRows(outputs, x.Shape[0]);
            }
        }
        finally
        {
            Train(wasTraining);
        }
    }

    private IReadOnlyDictionary<string, double> EvaluateCore(DataLoader data, Loss loss)
    {
        bool wasTraining = Training;
        Eval();
        ResetMetrics();
        try
        {
            double lossSum = 0;
            long seen = 0;
            using (Autodiff.NoGrad())
            {
                foreach (var batch in data)
                {
                    RequireBatch(batch);
                    Tensor prediction = Call(batch[0]);
                    int count = batch[0].Shape[0];
                    lossSum += loss.Compute(prediction, batch[1]).ItemDouble() * count;
                    seen += count;
                    UpdateMetrics(prediction, batch[1]);
                }
            }

            var logs = new Dictionary<string, double>(StringComparer.Ordinal) { ["loss"] = seen == 0 ? 0 : lossSum / seen };
            AddMetrics(logs, string.Empty);
            return logs;
        }
        finally
        {
            Train(wasTraining);
        }
    }

    private static Tensor ConcatRows(List<Tensor> parts, int rows)
    {
        if (parts.Count == 1)
        {
            return parts[0];
        }

        int[] dims = parts.Count == 0 ? [0] : parts[0].Shape.ToArray();
        dims[0] = rows;
        var result = Tensor.Zeros(dims, parts.Count == 0 ? DType.Float32 : parts[0].DType);
        int offset = 0;
        foreach (var part in parts)
        {
            Array.Copy(part.Data, 0, result.Data, offset, part.Size);
            offset += part.Size;
        }

        return result;
    }

    /// <summary>Prints, once per loss, a warning when probabilities feed a logits loss or logits a probability loss.</summary>
    private void WarnOnPredictionKind(Loss loss, Tensor prediction)
    {
        if (ReferenceEquals(warnedLoss, loss) || loss.CheckPrediction(prediction) is not { } warning)
        {
            return;
        }

        warnedLoss = loss;
        ProgressOutput.WriteLine($"Warning: {warning}");
    }

    private static void RequireSamples(string method, Tensor x, Tensor y)
    {
        if (x.Rank == 0 || x.Shape[0] == 0)
        {
            throw new ArgumentException(
                $"{method}: there are no samples (x has shape {x.Shape}, y {y.Shape}); a loss and metrics over no samples are undefined, not 0.");
        }
    }

    private static void RequireBatches(string method, DataLoader data, string role)
    {
        if (data.Count == 0)
        {
            throw new ArgumentException(
                $"{method}: the {role} data loader yields no batches ({data.Dataset.Count} samples, batch size {data.BatchSize}" +
                $"{(data.DropLast ? ", dropLast" : string.Empty)}); a loss and metrics over no samples are undefined, not 0.");
        }
    }

    /// <summary>
    /// An optimizer built over <c>model.Parameters()</c> keeps those tensors; <see cref="Layer.To"/> replaces them, after
    /// which such an optimizer would update tensors the model no longer uses and training would silently do nothing.
    /// </summary>
    private void RequireOptimizerOverThisModel(Optimizer optimizer)
    {
        var own = new HashSet<Tensor>(Parameters(), ReferenceEqualityComparer.Instance);
        foreach (var p in optimizer.Parameters)
        {
            if (!own.Contains(p))
            {
                string kind = optimizer.GetType().Name;
                throw new InvalidOperationException(
                    $"Fit: the {optimizer.Name} optimizer updates '{p.Name ?? "unnamed"}' {p.Type}, which is not a parameter of this model " +
                    $"(To(dtype) replaces every parameter, so an optimizer built over model.Parameters() before it would train nothing). " +
                    $"Compile again with an optimizer created after To, or create it over the model itself (new {kind}(model)), which follows the model's parameters.");
            }
        }

        CarryStateToReplacedParameters(optimizer, own);
    }

    /// <summary>
    /// An optimizer over the model follows <see cref="Layer.To"/>: the state it kept for a replaced tensor (moments,
    /// step count) moves to the parameter that now has its name and shape, converted to the new dtype, so training
    /// continues as if nothing had been converted; state for tensors that are gone without a successor is dropped.
    /// </summary>
    private void CarryStateToReplacedParameters(Optimizer optimizer, HashSet<Tensor> own)
    {
        var stale = optimizer.States.Where(s => !own.Contains(s.Key)).ToList();
        if (stale.Count == 0)
        {
            return;
        }

        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, parameter) in NamedParameters())
        {
            byName[name] = parameter;
        }

        foreach (var (old, state) in stale)
        {
            if (old.Name is { } name && byName.TryGetValue(name, out var successor) && successor.Shape == old.Shape
                && !optimizer.States.ContainsKey(successor))
            {
                optimizer.SetState(successor, [.. state.Slots.Select(slot => slot.To(successor.DType))], state.Steps);
            }
        }

        optimizer.ClearStateExcept(own);
    }

    private static void RequireBatch(Tensor[] batch)
    {
        if (batch.Length < 2)
        {
            throw new ArgumentException($"Fit/Evaluate: each batch must be (inputs, targets); the dataset yields {batch.Length} tensor(s).");
        }
    }

    private (Optimizer Optimizer, Loss Loss) RequireCompiled(string method) =>
        Optimizer is not null && Loss is not null
            ? (Optimizer, Loss)
            : throw new InvalidOperationException($"{method}: the model is not compiled; call Compile(optimizer, loss, metrics) first.");

    private void ResetMetrics()
    {
        foreach (var metric in metrics)
        {
            metric.Reset();
        }
    }

    private void UpdateMetrics(Tensor prediction, Tensor target)
    {
        foreach (var metric in metrics)
        {
            metric.Update(prediction, target);
        }
    }

    private void AddMetrics(Dictionary<string, double> logs, string prefix)
    {
        foreach (var metric in metrics)
        {
            logs[prefix + metric.Name] = metric.Result();
        }
    }

    private Optimizer CreateOptimizer(string name) => name.ToLowerInvariant() switch
    {
        "adam" => new Adam(this),
        "adamw" => new AdamW(this),
        "sgd" => new Sgd(this),
        "rmsprop" => new RmsProp(this),
        "adagrad" => new Adagrad(this),
        "nadam" => new NAdam(this),
        "radam" => new RAdam(this),
        _ => throw new ArgumentException($"Unknown optimizer '{name}'. Known: adam, adamw, sgd, rmsprop, adagrad, nadam, radam.", nameof(name)),
    };
}
