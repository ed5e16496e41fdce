using AutoGrad.Data;
using AutoGrad.Differentiation;
using AutoGrad.Kernels;
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
/// <see cref="Evaluate(Tensor, Tensor, int)"/> and <see cref="Predict(Tensor, int)"/>. Subclass it for custom models (fields holding layers are
/// discovered like any layer's); models can contain other models.
/// </summary>
public abstract class Model : Layer
{
    private Metric[] metrics = [];
    private TextWriter progressOutput = Console.Out;
    private CompiledFitStep? compiledStep;

    private CompiledForward? compiledForward;

    // The total loss as the compiled step traces it (no per-output values), made once rather than per batch.
    private Func<Tensor[], Tensor[], Tensor>? tracedLoss;

    /// <summary>One loss per output (one for a single-output model), with its weight in the total.</summary>
    private Loss[] losses = [];
    private double[] lossWeights = [];

    /// <summary>The metrics of each output; for a single-output model, <see cref="metrics"/>.</summary>
    private Metric[][] outputMetrics = [];

    /// <summary>The losses a prediction-kind warning was printed for (once per loss given to Compile).</summary>
    private readonly List<Loss> warnedLosses = [];

    /// <summary>Creates a model with an optional name.</summary>
    protected Model(string? name = null)
        : base(name)
    {
    }

    /// <summary>The optimizer given to <see cref="Compile(Optimizer?, Loss, Metric[])"/>, or null before.</summary>
    public Optimizer? Optimizer { get; private set; }

    /// <summary>The loss given to Compile, or null before (and for a model compiled with one loss per output: see <see cref="Losses"/>).</summary>
    public Loss? Loss { get; private set; }

    /// <summary>The loss of each output, in output order (one entry for a single-output model); empty before Compile.</summary>
    public IReadOnlyList<Loss> Losses => losses;

    /// <summary>The weight of each output's loss in the total that is minimized (1 unless given to Compile).</summary>
    public IReadOnlyList<double> LossWeights => lossWeights;

    /// <summary>The metrics given to Compile (for a multi-output model, every output's, in output order).</summary>
    public IReadOnlyList<Metric> Metrics => metrics;

    /// <summary>The names of the model's inputs, in order: the keys of the dictionaries <c>Fit</c>, <c>Evaluate</c> and
    /// <c>Predict</c> take. A model built from layers has one, <c>input</c>; a functional model its
    /// <see cref="Functional.FunctionalModel.InputNames"/>.</summary>
    internal virtual IReadOnlyList<string> InputKeys => ["input"];

    /// <summary>The names of the model's outputs, in order: the keys of per-output losses, weights, metrics and targets, and the
    /// prefix of per-output logs (<c>digit_loss</c>, <c>digit_accuracy</c>). A model built from layers has one, <c>output</c>; a
    /// functional model its <see cref="Functional.FunctionalModel.OutputNames"/>.</summary>
    internal virtual IReadOnlyList<string> OutputKeys => ["output"];

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
        ArgumentNullException.ThrowIfNull(loss);
        if (OutputKeys.Count != 1)
        {
            throw new ArgumentException(
                $"Compile: the model has {OutputKeys.Count} outputs ({string.Join(", ", OutputKeys)}); give one loss per output, as a list or a dictionary keyed by output name.",
                nameof(loss));
        }

        Metric[] given = metrics?.ToArray() ?? [];
        return SetCompiled(optimizer, [loss], [1.0], [given], jit);
    }

    /// <summary>
    /// Sets one loss per output (Keras' <c>loss=[...]</c>) for a model with several outputs: training minimizes
    /// <c>Σᵢ lossWeights[i] · losses[i](prediction[i], target[i])</c>, and logs report the total as <c>loss</c> and each output's
    /// unweighted loss as <c>&lt;output&gt;_loss</c>.
    /// </summary>
    /// <param name="optimizer">The optimizer; when null, <see cref="RmsProp"/> over this model with its defaults.</param>
    /// <param name="losses">One loss per output, in <see cref="Functional.FunctionalModel.OutputNames"/> order.</param>
    /// <param name="lossWeights">One weight per output (all 1 when null).</param>
    /// <param name="metrics">Metrics per output name (each instance used for one output only); logged as <c>&lt;output&gt;_&lt;metric&gt;</c>
    /// (just <c>&lt;metric&gt;</c> for a single-output model).</param>
    /// <param name="jit">When true, each training batch runs one compiled graph of the forward over every input, the weighted
    /// total loss, its gradient and the optimizer's update (see the single-loss overload).</param>
    /// <exception cref="ArgumentException">The counts do not match the outputs, a weight is negative or not finite, a key names no
    /// output, or one metric instance is given for two outputs.</exception>
    public Model Compile(Optimizer? optimizer, IReadOnlyList<Loss> losses, IReadOnlyList<double>? lossWeights = null,
        IReadOnlyDictionary<string, Metric[]>? metrics = null, bool jit = false)
    {
        ArgumentNullException.ThrowIfNull(losses);
        var names = OutputKeys;
        if (losses.Count != names.Count)
        {
            throw new ArgumentException($"Compile: the model has {names.Count} output(s) ({string.Join(", ", names)}); {losses.Count} loss(es) were given.", nameof(losses));
        }

        if (lossWeights is not null && lossWeights.Count != names.Count)
        {
            throw new ArgumentException($"Compile: the model has {names.Count} output(s) ({string.Join(", ", names)}); {lossWeights.Count} loss weight(s) were given.", nameof(lossWeights));
        }

        for (int i = 0; i < losses.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(losses[i], $"{nameof(losses)}[{i}]");
        }

        return SetCompiled(optimizer, [.. losses], lossWeights?.ToArray() ?? [.. names.Select(_ => 1.0)], MetricsByOutput(metrics), jit);
    }

    /// <summary>Sets one loss per output by output name (Keras' <c>loss={...}</c>); see the list overload.</summary>
    /// <param name="optimizer">The optimizer; when null, <see cref="RmsProp"/> over this model with its defaults.</param>
    /// <param name="losses">A loss for every output name.</param>
    /// <param name="lossWeights">Weights by output name; an output not named weighs 1.</param>
    /// <param name="metrics">Metrics per output name.</param>
    /// <param name="jit">Compiled training (see the single-loss overload).</param>
    /// <exception cref="ArgumentException">An output has no loss, or a key names no output (the message lists the outputs).</exception>
    public Model Compile(Optimizer? optimizer, IReadOnlyDictionary<string, Loss> losses, IReadOnlyDictionary<string, double>? lossWeights = null,
        IReadOnlyDictionary<string, Metric[]>? metrics = null, bool jit = false)
    {
        ArgumentNullException.ThrowIfNull(losses);
        var names = OutputKeys;
        RequireKnownKeys("Compile", "losses", losses.Keys, names, "output");
        RequireKnownKeys("Compile", "lossWeights", lossWeights?.Keys ?? [], names, "output");
        var ordered = new Loss[names.Count];
        var weights = new double[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            ordered[i] = losses.TryGetValue(names[i], out var loss) && loss is not null
                ? loss
                : throw new ArgumentException($"Compile: output '{names[i]}' has no loss; losses must name every output ({string.Join(", ", names)}).", nameof(losses));
            weights[i] = lossWeights is not null && lossWeights.TryGetValue(names[i], out double w) ? w : 1.0;
        }

        return SetCompiled(optimizer, ordered, weights, MetricsByOutput(metrics), jit);
    }

    /// <summary>Per-output losses with an optimizer by name; see <see cref="Compile(Optimizer?, IReadOnlyList{Loss}, IReadOnlyList{double}?, IReadOnlyDictionary{string, Metric[]}?, bool)"/>.</summary>
    /// <exception cref="ArgumentException">Unknown optimizer name, or the losses do not fit the outputs.</exception>
    public Model Compile(string optimizer, IReadOnlyList<Loss> losses, IReadOnlyList<double>? lossWeights = null,
        IReadOnlyDictionary<string, Metric[]>? metrics = null, bool jit = false) =>
        Compile(CreateOptimizer(optimizer), losses, lossWeights, metrics, jit);

    /// <summary>Per-output losses by output name with an optimizer by name; see <see cref="Compile(Optimizer?, IReadOnlyDictionary{string, Loss}, IReadOnlyDictionary{string, double}?, IReadOnlyDictionary{string, Metric[]}?, bool)"/>.</summary>
    /// <exception cref="ArgumentException">Unknown optimizer name, or the losses do not fit the outputs.</exception>
    public Model Compile(string optimizer, IReadOnlyDictionary<string, Loss> losses, IReadOnlyDictionary<string, double>? lossWeights = null,
        IReadOnlyDictionary<string, Metric[]>? metrics = null, bool jit = false) =>
        Compile(CreateOptimizer(optimizer), losses, lossWeights, metrics, jit);

    private Model SetCompiled(Optimizer? optimizer, Loss[] losses, double[] weights, Metric[][] metricsPerOutput, bool jit)
    {
        foreach (double w in weights)
        {
            if (!double.IsFinite(w) || w < 0)
            {
                throw new ArgumentException($"Compile: loss weights must be finite and non-negative; got {w}.", nameof(weights));
            }
        }

        var used = new HashSet<Metric>(ReferenceEqualityComparer.Instance);
        foreach (var metric in metricsPerOutput.SelectMany(m => m))
        {
            if (!used.Add(metric))
            {
                throw new ArgumentException(
                    $"Compile: the same {metric.GetType().Name} instance is given for two outputs; a metric accumulates one output's predictions, so give each output its own (e.g. by name: \"accuracy\").");
            }
        }

        Optimizer = optimizer ?? new RmsProp(this);
        this.losses = losses;
        lossWeights = weights;
        Loss = losses.Length == 1 ? losses[0] : null;
        outputMetrics = metricsPerOutput;
        metrics = [.. metricsPerOutput.SelectMany(m => m)];
        Jit = jit;
        compiledStep = null;
        return this;
    }

    private Metric[][] MetricsByOutput(IReadOnlyDictionary<string, Metric[]>? byName)
    {
        var names = OutputKeys;
        RequireKnownKeys("Compile", "metrics", byName?.Keys ?? [], names, "output");
        return [.. names.Select(n => byName is not null && byName.TryGetValue(n, out var m) && m is not null ? m : [])];
    }

    /// <summary>Compile with an optimizer by name (see <see cref="Compile(string, Loss, Metric[])"/>), optionally compiled training.</summary>
    /// <exception cref="ArgumentException">Unknown optimizer name.</exception>
    public Model Compile(string optimizer, Loss loss, IEnumerable<Metric>? metrics = null, bool jit = false) =>
        Compile(CreateOptimizer(optimizer), loss, metrics, jit);

    /// <summary>Whether Fit trains through a compiled step (set by Compile's <c>jit</c>).</summary>
    public bool Jit { get; set; }

    /// <summary>
    /// With <see cref="Jit"/>, whether the compiled step splits each batch into row blocks over two cores (see
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
        return FitArrays(Inputs("Fit", [x]), Targets("Fit", [y]), epochs, batchSize, shuffle, validationSplit,
            validationData is { } data ? ([data.X], [data.Y]) : null, callbacks, verbose, seed, cancellationToken);
    }

    /// <summary>
    /// Trains a model with several inputs and/or outputs on in-memory tensors (Keras' <c>fit([x1, x2], [y1, y2])</c>): one
    /// tensor per input in <see cref="Functional.FunctionalModel.InputNames"/> order and one target per output in <see cref="Functional.FunctionalModel.OutputNames"/> order, all
    /// with the same number of samples along axis 0. Everything else is as in the single-tensor overload.
    /// </summary>
    /// <exception cref="ArgumentException">The number of inputs or targets does not match the model, the sample counts differ,
    /// or there are no samples.</exception>
    /// <exception cref="InvalidOperationException">The model was not compiled.</exception>
    public History Fit(Tensor[] x, Tensor[] y, int epochs = 1, int batchSize = 32, bool shuffle = true, double validationSplit = 0,
        (Tensor[] X, Tensor[] Y)? validationData = null, IEnumerable<Callback>? callbacks = null, Verbosity verbose = Verbosity.Auto,
        long? seed = null, CancellationToken cancellationToken = default) =>
        FitArrays(Inputs("Fit", x), Targets("Fit", y), epochs, batchSize, shuffle, validationSplit,
            validationData is { } data ? (Inputs("Fit", data.X), Targets("Fit", data.Y)) : null, callbacks, verbose, seed, cancellationToken);

    /// <summary>
    /// Trains on inputs and targets keyed by name (Keras' <c>fit({"image": x}, {"digit": y1, "parity": y2})</c>): every
    /// name in <see cref="Functional.FunctionalModel.InputNames"/> and <see cref="Functional.FunctionalModel.OutputNames"/> must have a tensor. See the array overload.
    /// </summary>
    /// <exception cref="ArgumentException">An input or output has no tensor, or a key names no input or output (the message
    /// lists the model's names).</exception>
    public History Fit(IReadOnlyDictionary<string, Tensor> x, IReadOnlyDictionary<string, Tensor> y, int epochs = 1, int batchSize = 32,
        bool shuffle = true, double validationSplit = 0, (IReadOnlyDictionary<string, Tensor> X, IReadOnlyDictionary<string, Tensor> Y)? validationData = null,
        IEnumerable<Callback>? callbacks = null, Verbosity verbose = Verbosity.Auto, long? seed = null, CancellationToken cancellationToken = default) =>
        FitArrays(ByName("Fit", x, InputKeys, "input"), ByName("Fit", y, OutputKeys, "output"), epochs, batchSize, shuffle, validationSplit,
            validationData is { } data ? (ByName("Fit", data.X, InputKeys, "input"), ByName("Fit", data.Y, OutputKeys, "output")) : null,
            callbacks, verbose, seed, cancellationToken);

    private History FitArrays(Tensor[] x, Tensor[] y, int epochs, int batchSize, bool shuffle, double validationSplit,
        (Tensor[] X, Tensor[] Y)? validationData, IEnumerable<Callback>? callbacks, Verbosity verbose, long? seed, CancellationToken cancellationToken)
    {
        RequireSamples("Fit", x[0], y[0]);
        if (!(validationSplit is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, $"Fit: validationSplit must be in [0, 1); got {validationSplit}.");
        }

        var all = new TensorDataset([.. x, .. y]);
        TensorDataset train = all;
        DataLoader? validation = null;
        if (validationData is { } data)
        {
            validation = new DataLoader(new TensorDataset([.. data.X, .. data.Y]), batchSize);
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

    /// <summary>Trains from a data loader whose batches are (inputs, targets) — for a model with several inputs and outputs,
    /// (input₁, …, inputₙ, target₁, …, targetₘ) in <see cref="Functional.FunctionalModel.InputNames"/> and <see cref="Functional.FunctionalModel.OutputNames"/> order; see the tensor overload.</summary>
    public History Fit(DataLoader train, int epochs = 1, DataLoader? validation = null, IEnumerable<Callback>? callbacks = null,
        Verbosity verbose = Verbosity.Auto, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        var (optimizer, _) = RequireCompiled("Fit");
        RequireBatches("Fit", train, "training");
        if (validation is not null)
        {
            RequireBatches("Fit", validation, "validation");
        }

        RequireOptimizerOverThisModel(optimizer);
        int inputCount = InputKeys.Count;
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
                var sums = new LossSums(losses.Length);
                int batchIndex = 0, batches = train.Count;
                var running = new Dictionary<string, double>(StringComparer.Ordinal);
                // Compiled steps come back to back, separated only by drawing the next batch, which can take longer than
                // the 50 µs an idle worker spins: held warm for the epoch, the worker is never parked when a step's
                // products and updates split (a parked one costs a wake-up per step).
                using WarmScope warm = Jit ? Parallelism.KeepWarm() : default;
                // Batches are consumed before the next is drawn, so the loader refills the same tensors.
                foreach (var batch in train.ReusingBuffers())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    RequireBatch(batch);
                    Tensor[] targets = batch[inputCount..(inputCount + losses.Length)];
                    Tensor[] predictions;
                    double batchLoss;
                    if (Jit)
                    {
                        ReadOnlySpan<Tensor> inputs = batch.AsSpan(0, inputCount);
                        compiledStep = CompiledFitStep.For(compiledStep, this, optimizer, losses, tracedLoss ??= (p, t) => TotalLoss(p, t, null), inputs, targets);
                        (batchLoss, predictions) = compiledStep.Run(inputs, targets);
                        if (losses.Length > 1)
                        {
                            // The compiled step returns the weighted total; each output's own loss is logged as eager
                            // training logs it, from the same predictions (made before the update) and targets.
                            using (Autodiff.NoGrad())
                            {
                                for (int i = 0; i < losses.Length; i++)
                                {
                                    sums.Batch[i] = losses[i].Compute(predictions[i], targets[i]).ItemDouble();
                                }
                            }
                        }
                    }
                    else
                    {
                        optimizer.ZeroGrad();
                        predictions = CallCore(batch[..inputCount]);
                        Tensor lossValue = TotalLoss(predictions, targets, sums.Batch);
                        lossValue.Backward();
                        optimizer.Step();
                        batchLoss = lossValue.ItemDouble();
                    }

                    if (batchIndex == 0 && epoch == 1)
                    {
                        for (int i = 0; i < losses.Length; i++)
                        {
                            WarnOnPredictionKind(losses[i], predictions[i]);
                        }
                    }

                    sums.Add(batchLoss, batch[0].Shape[0]);
                    UpdateMetrics(predictions, targets);
                    batchIndex++;
                    foreach (var callback in callbackList)
                    {
                        callback.OnBatchEnd(context, batchIndex, batchLoss);
                    }

                    if (progress.Mode == Verbosity.ProgressBar)
                    {
                        AddLogs(running, sums);
                        progress.BatchEnd(epoch, batchIndex, batches, running);
                    }
                }

                var logs = new Dictionary<string, double>(StringComparer.Ordinal);
                AddLogs(logs, sums);
                if (validation is not null)
                {
                    foreach (var (key, value) in EvaluateCore(validation))
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
        RequireCompiled("Evaluate");
        RequireSamples("Evaluate", x, y);
        return EvaluateCore(new DataLoader(new TensorDataset([.. Inputs("Evaluate", [x]), .. Targets("Evaluate", [y])]), batchSize));
    }

    /// <summary>The loss (total and per output) and metrics of a model with several inputs or outputs; tensors in
    /// <see cref="Functional.FunctionalModel.InputNames"/> and <see cref="Functional.FunctionalModel.OutputNames"/> order.</summary>
    /// <exception cref="InvalidOperationException">The model was not compiled.</exception>
    /// <exception cref="ArgumentException">The number of inputs or targets does not match the model, or there are no samples.</exception>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor[] x, Tensor[] y, int batchSize = 32)
    {
        RequireCompiled("Evaluate");
        Tensor[] inputs = Inputs("Evaluate", x), targets = Targets("Evaluate", y);
        RequireSamples("Evaluate", inputs[0], targets[0]);
        return EvaluateCore(new DataLoader(new TensorDataset([.. inputs, .. targets]), batchSize));
    }

    /// <summary>The loss and metrics on inputs and targets keyed by input and output name.</summary>
    /// <exception cref="InvalidOperationException">The model was not compiled.</exception>
    /// <exception cref="ArgumentException">A name is missing or names no input or output, or there are no samples.</exception>
    public IReadOnlyDictionary<string, double> Evaluate(IReadOnlyDictionary<string, Tensor> x, IReadOnlyDictionary<string, Tensor> y, int batchSize = 32) =>
        Evaluate(ByName("Evaluate", x, InputKeys, "input"), ByName("Evaluate", y, OutputKeys, "output"), batchSize);

    /// <summary>The loss and metrics over a loader's (inputs, targets) batches, in evaluation mode.</summary>
    /// <exception cref="InvalidOperationException">The model was not compiled.</exception>
    /// <exception cref="ArgumentException">The loader yields no batches.</exception>
    public IReadOnlyDictionary<string, double> Evaluate(DataLoader data)
    {
        ArgumentNullException.ThrowIfNull(data);
        RequireCompiled("Evaluate");
        RequireBatches("Evaluate", data, "evaluation");
        return EvaluateCore(data);
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
                    outputs.Add(ForwardBatch(batch, keep: true)[0]);
                }

                return ConcatRows(outputs, x.Shape[0]);
            }
        }
        finally
        {
            Train(wasTraining);
        }
    }

    /// <summary>
    /// The outputs of a model with several inputs or outputs for every sample, in <see cref="Functional.FunctionalModel.OutputNames"/> order, computed in
    /// batches in evaluation mode without recording gradients.
    /// </summary>
    /// <param name="x">One tensor per input, in <see cref="Functional.FunctionalModel.InputNames"/> order.</param>
    /// <param name="batchSize">Samples per forward pass.</param>
    /// <exception cref="ArgumentException">The number of inputs does not match, or a shape does not fit its input.</exception>
    public Tensor[] Predict(Tensor[] x, int batchSize = 32)
    {
        Tensor[] inputs = Inputs("Predict", x);
        bool wasTraining = Training;
        Eval();
        try
        {
            using (Autodiff.NoGrad())
            {
                if (inputs[0].Rank > 0 && inputs[0].Shape[0] == 0)
                {
                    return CallCore(inputs);
                }

                var parts = new List<Tensor[]>();
                foreach (var batch in new DataLoader(new TensorDataset(inputs), batchSize))
                {
                    parts.Add(ForwardBatch(batch, keep: true));
                }

                return [.. Enumerable.Range(0, parts[0].Length).Select(o => ConcatRows([.. parts.Select(p => p[o])], inputs[0].Shape[0]))];
            }
        }
        finally
        {
            Train(wasTraining);
        }
    }

    /// <summary>The outputs for inputs keyed by input name, in <see cref="Functional.FunctionalModel.OutputNames"/> order; see the array overload.</summary>
    /// <exception cref="ArgumentException">An input has no tensor, or a key names no input.</exception>
    public Tensor[] Predict(IReadOnlyDictionary<string, Tensor> x, int batchSize = 32) => Predict(ByName("Predict", x, InputKeys, "input"), batchSize);

    private IReadOnlyDictionary<string, double> EvaluateCore(DataLoader data)
    {
        bool wasTraining = Training;
        Eval();
        ResetMetrics();
        try
        {
            int inputCount = InputKeys.Count;
            var sums = new LossSums(losses.Length);
            using (Autodiff.NoGrad())
            {
                foreach (var batch in data.ReusingBuffers())
                {
                    RequireBatch(batch);
                    Tensor[] targets = batch[inputCount..(inputCount + losses.Length)];
                    Tensor[] predictions = ForwardBatch(batch[..inputCount], keep: false);
                    sums.Add(TotalLoss(predictions, targets, sums.Batch).ItemDouble(), batch[0].Shape[0]);
                    UpdateMetrics(predictions, targets);
                }
            }

            var logs = new Dictionary<string, double>(StringComparer.Ordinal);
            AddLogs(logs, sums);
            return logs;
        }
        finally
        {
            Train(wasTraining);
        }
    }

    /// <summary>
    /// The model's outputs for one batch in evaluation mode: through one compiled graph of the forward with
    /// <see cref="Jit"/> (copied when <paramref name="keep"/>, since its buffers are overwritten by the next batch),
    /// else op by op.
    /// </summary>
    private Tensor[] ForwardBatch(Tensor[] inputs, bool keep)
    {
        if (!Jit)
        {
            return CallCore(inputs);
        }

        compiledForward = CompiledForward.For(compiledForward, this, inputs);
        IReadOnlyList<Tensor> outputs = compiledForward.Run(inputs);
        return keep ? [.. outputs.Select(o => o.Clone())] : [.. outputs];
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
            part.CopyTo(0, result, offset, part.Size);
            offset += part.Size;
        }

        return result;
    }

    /// <summary>Prints, once per loss, a warning when probabilities feed a logits loss or logits a probability loss.</summary>
    private void WarnOnPredictionKind(Loss loss, Tensor prediction)
    {
        if (warnedLosses.Any(w => ReferenceEquals(w, loss)) || loss.CheckPrediction(prediction) is not { } warning)
        {
            return;
        }

        warnedLosses.Add(loss);
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

    private void RequireBatch(Tensor[] batch)
    {
        int needed = InputKeys.Count + OutputKeys.Count;
        if (batch.Length < needed)
        {
            throw new ArgumentException(needed == 2
                ? $"Fit/Evaluate: each batch must be (inputs, targets); the dataset yields {batch.Length} tensor(s)."
                : $"Fit/Evaluate: each batch must hold the {InputKeys.Count} inputs ({string.Join(", ", InputKeys)}) and then the {OutputKeys.Count} targets ({string.Join(", ", OutputKeys)}); the dataset yields {batch.Length} tensor(s).");
        }
    }

    private (Optimizer Optimizer, Loss? Loss) RequireCompiled(string method) =>
        Optimizer is not null && losses.Length > 0
            ? (Optimizer, Loss)
            : throw new InvalidOperationException($"{method}: the model is not compiled; call Compile(optimizer, loss, metrics) first.");

    /// <summary>Σᵢ wᵢ·lossᵢ; the one loss itself (not multiplied by 1) for a single output, so its graph is unchanged.
    /// Each output's unweighted loss is written to <paramref name="perOutput"/> when given (not while tracing a compiled
    /// step, where the losses have no values yet).</summary>
    private Tensor TotalLoss(Tensor[] predictions, Tensor[] targets, double[]? perOutput)
    {
        if (predictions.Length != losses.Length)
        {
            throw new InvalidOperationException($"Fit/Evaluate: the model produced {predictions.Length} output(s) but was compiled with {losses.Length} loss(es).");
        }

        if (losses.Length == 1 && lossWeights[0] == 1.0)
        {
            return losses[0].Compute(predictions[0], targets[0]);
        }

        Tensor? total = null;
        for (int i = 0; i < losses.Length; i++)
        {
            Tensor value = losses[i].Compute(predictions[i], targets[i]);
            if (perOutput is not null)
            {
                perOutput[i] = value.ItemDouble();
            }

            Tensor weighted = value * lossWeights[i];
            total = total is null ? weighted : total + weighted;
        }

        return total!;
    }

    /// <summary>Writes <c>loss</c>, each output's <c>&lt;output&gt;_loss</c> (several outputs only) and the metrics.</summary>
    private void AddLogs(Dictionary<string, double> logs, LossSums sums)
    {
        logs["loss"] = sums.Mean;
        bool several = losses.Length > 1;
        var names = OutputKeys;
        if (several)
        {
            for (int i = 0; i < losses.Length; i++)
            {
                logs[names[i] + "_loss"] = sums.OutputMean(i);
            }
        }

        for (int i = 0; i < outputMetrics.Length; i++)
        {
            foreach (var metric in outputMetrics[i])
            {
                logs[(several ? names[i] + "_" : string.Empty) + metric.Name] = metric.Result();
            }
        }
    }

    private void ResetMetrics()
    {
        foreach (var metric in metrics)
        {
            metric.Reset();
        }
    }

    private void UpdateMetrics(Tensor[] predictions, Tensor[] targets)
    {
        for (int i = 0; i < outputMetrics.Length; i++)
        {
            foreach (var metric in outputMetrics[i])
            {
                metric.Update(predictions[i], targets[i]);
            }
        }
    }

    /// <summary>Checks one tensor per input.</summary>
    private Tensor[] Inputs(string method, Tensor[] x) => Counted(method, x, InputKeys, "input");

    /// <summary>Checks one target per output.</summary>
    private Tensor[] Targets(string method, Tensor[] y) => Counted(method, y, OutputKeys, "target");

    private static Tensor[] Counted(string method, Tensor[] tensors, IReadOnlyList<string> names, string role)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length != names.Count)
        {
            throw new ArgumentException(
                $"{method}: the model has {names.Count} {(role == "input" ? "input" : "output")}(s) ({string.Join(", ", names)}), so it takes {names.Count} {role} tensor(s); {tensors.Length} were given.");
        }

        for (int i = 0; i < tensors.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(tensors[i], $"{role} '{names[i]}'");
        }

        return tensors;
    }

    /// <summary>The tensors of a dictionary in the model's order of <paramref name="names"/>; unknown or missing keys throw.</summary>
    private static Tensor[] ByName(string method, IReadOnlyDictionary<string, Tensor> byName, IReadOnlyList<string> names, string role)
    {
        ArgumentNullException.ThrowIfNull(byName);
        RequireKnownKeys(method, role + "s", byName.Keys, names, role);
        return [.. names.Select(n => byName.TryGetValue(n, out var t) && t is not null
            ? t
            : throw new ArgumentException($"{method}: no tensor for {role} '{n}'; the model's {role}s are {string.Join(", ", names)}."))];
    }

    private static void RequireKnownKeys(string method, string what, IEnumerable<string> keys, IReadOnlyList<string> names, string role)
    {
        foreach (string key in keys)
        {
            if (!names.Contains(key))
            {
                throw new ArgumentException($"{method}: '{key}' in {what} names no {role} of this model; its {role}s are {string.Join(", ", names)}.");
            }
        }
    }

    /// <summary>Sample-weighted sums of the total and per-output batch losses over an epoch.</summary>
    private sealed class LossSums(int outputs)
    {
        private readonly double[] outputSums = new double[outputs];
        private double total;
        private long seen;

        /// <summary>Filled by <see cref="TotalLoss"/> with the current batch's per-output losses.</summary>
        public double[] Batch { get; } = new double[outputs];

        public double Mean => seen == 0 ? 0 : total / seen;

        public void Add(double batchLoss, int count)
        {
            total += batchLoss * count;
            seen += count;
            for (int i = 0; i < outputSums.Length; i++)
            {
                outputSums[i] += Batch[i] * count;
            }
        }

        public double OutputMean(int index) => seen == 0 ? 0 : outputSums[index] / seen;
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
