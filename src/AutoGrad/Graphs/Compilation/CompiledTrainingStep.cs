using System.Runtime.CompilerServices;
using AutoGrad.Differentiation;
using AutoGrad.NN.Optimizers;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// A whole training step — forward, gradient and the optimizer's update — traced once into one graph, optimized and
/// compiled. The update is the optimizer's own: tracing records the same clipping ops and fused update ops that
/// <see cref="Optimizer.Step"/> applies eagerly, and the compiled graph runs them, writing the parameters and the
/// optimizer state in place. A model trained this way and one trained eagerly hold the same values, and the optimizer's
/// state can be saved and loaded with the model either way.
/// </summary>
/// <remarks>
/// The learning rate is read from the optimizer at every step (a schedule never retraces). If the optimizer's state
/// tensors are replaced (a checkpoint loaded into a fresh optimizer), the next <see cref="Step(Tensor, Tensor)"/> traces again.
/// Not thread-safe: one step object per thread.
/// <para>
/// <b>Row blocks on both cores.</b> A large enough step runs its batch as K row blocks (<see cref="RowBlocks"/>): each
/// block runs the loss and its gradient while its rows are in cache, reading them from the caller's tensor without a
/// copy; the blocks are dealt to P = min(8, K) parts (contiguous runs of blocks), each core starting on its own half of them,
/// each part with its own compiled instance and its kernels kept on its core. Each part sums its blocks' gradients in
/// block order, g_p = Σ w_k·g_k with w_k = n_k/B for a mean loss (1 for a sum), the step's gradient is g₀ + … + g_{P−1}
/// in part order, and clipping and the update run once on it.
/// The split is used only when it is proved exact from the traced graph: the batch axis is symbolic, and every op's
/// batching rule (<see cref="Op.BatchRule"/>) must show that examples stay apart until the loss sums or averages them,
/// with no random op (dropout) and no state write (BatchNorm's running statistics) in the loss. K depends only on that
/// proof, the <see cref="DataParallel"/> option, the batch size and the graph (its work per example and per weight, its
/// input bytes per example) — never on the thread count or the machine — so a seed gives the same numbers everywhere:
/// with one thread the parts run one after the other.
/// </para>
/// </remarks>
public sealed class CompiledTrainingStep
{
    private readonly Func<Tensor[], Tensor[], Tensor[]> loss;
    private readonly TensorSpec[] inputs;
    private readonly TensorSpec[] targets;
    // The inputs then the targets of the step being run (reused, so a step allocates nothing).
    private readonly Tensor[] bound;
    private readonly IReadOnlyList<Tensor> parameters;
    private int stateVersion;
    private Graph? blockGraph;
    private int[] gradientParameters = [];
    private int rowOutputs;
    private BatchSplitAnalysis? analysis;
    private DataParallelStep? split;
    private long parameterElements;

    /// <summary>Tests force a block count here (0: the automatic choice).</summary>
    internal int ForcedRowBlocks { get; set; }

    private CompiledTrainingStep(Func<Tensor[], Tensor[], Tensor[]> loss, TensorSpec[] inputs, TensorSpec[] targets, Optimizer optimizer, DataParallel dataParallel)
    {
        this.loss = loss;
        this.inputs = inputs;
        this.targets = targets;
        bound = new Tensor[inputs.Length + targets.Length];
        Optimizer = optimizer;
        DataParallel = dataParallel;
        parameters = optimizer.Parameters;
        (Graph, Executable) = Build();
    }

    /// <summary>The least work of a step, in flops (<see cref="FlopsPerExample"/> × batch size), that
    /// <see cref="DataParallel.Auto"/> splits: 4 MFLOP, about 2 MFLOP per core, where the cost of handing a half to the
    /// other core is small against its work. More blocks need proportionally more: K blocks need K/2 × this.</summary>
    public const double SplitThresholdFlops = 4e6;

    /// <summary>
    /// The least work of a step per trained parameter element that <see cref="DataParallel.Auto"/> splits: 1000 flops.
    /// Each half pays once for every weight (packing it for its products, writing its own full gradient, which is then
    /// combined), so a split pays only when the work per weight is large: a convolution reuses each weight over many
    /// positions and splits from small batches; a dense layer uses each weight 6 times per example and splits from
    /// about 170 examples. Measured on 2026-11-29 on an idle 2-core Intel Xeon (load average 1.9–2.3, two quick
    /// <c>MnistEpochBenchmarks</c> runs): the MNIST MLP split over both cores took 1.30× the whole step's time at batch 64
    /// (384 flops per weight) and 0.77–0.82× at batch 256 (1536 flops per weight). K blocks need K/2 × this, so every
    /// block does at least 500 flops per weight.
    /// </summary>
    public const double SplitFlopsPerParameter = 1000;

    /// <summary>
    /// The most bytes of input rows (<see cref="BytesPerExample"/> × rows) that <see cref="DataParallel.Auto"/> puts in one
    /// row block when the batch is large: 1 MB, which stays in the L2 cache of current server x64 cores (1–2 MB) between a
    /// block's forward pass and its share of the weight gradients (xᵀ·dZ), so a large batch is read from memory about once
    /// per step instead of twice. A constant, not the machine's cache size, so the block count — and with it the order of
    /// the gradient sums — is the same on every machine. (1 MB blocks ran the full-batch tutorial model 9 % faster than
    /// 512 KB ones, docs/performance.md.)
    /// </summary>
    public const int RowBlockBytes = 1024 * 1024;

    /// <summary>Whether batches are split into row blocks over two cores: automatically, never or always.</summary>
    public DataParallel DataParallel { get; }

    /// <summary>Whether the step's loss is proved to be splittable by examples (false when <see cref="DataParallel.Off"/>).</summary>
    public bool IsBatchSplittable => analysis?.IsSplittable == true;

    /// <summary>Why the batch cannot be split (naming the op that prevents it), or null when it can or when splitting is off.</summary>
    public string? NotSplittableReason => analysis?.Reason;

    /// <summary>The work of the loss and its gradient per example, in flops, from the ops' declared costs (0 when splitting is off).</summary>
    public double FlopsPerExample => analysis?.FlopsPerRow ?? 0;

    /// <summary>The bytes of one example's rows of the inputs that carry the batch axis (0 when splitting is off).</summary>
    public long BytesPerExample => analysis?.BytesPerRow ?? 0;

    /// <summary>Whether a batch of <paramref name="batchSize"/> examples runs split (<see cref="RowBlocks"/> ≥ 2).</summary>
    public bool SplitsBatch(int batchSize) => RowBlocks(batchSize) >= 2;

    /// <summary>
    /// How many row blocks a batch of <paramref name="batchSize"/> examples runs as: 1 (the whole step) or an even K ≥ 2.
    /// The loss must be splittable and the batch must hold two or more examples. <see cref="DataParallel.Auto"/> allows
    /// K blocks when the step's work W = <see cref="FlopsPerExample"/> × batch is at least K/2 × max(
    /// <see cref="SplitThresholdFlops"/>, <see cref="SplitFlopsPerParameter"/> × trained parameter elements), i.e. every
    /// block still amortizes its per-weight cost; it uses two blocks (one per core) when allowed, and more when the batch's
    /// input rows exceed <see cref="RowBlockBytes"/> per block: K = ⌈batch × <see cref="BytesPerExample"/> ÷
    /// <see cref="RowBlockBytes"/>⌉ rounded up to even, unless that is more than the work allows (then the largest even
    /// count allowed, with longer blocks). <see cref="DataParallel.On"/> uses at least two. Nothing here depends on the
    /// thread count or the machine.
    /// </summary>
    public int RowBlocks(int batchSize)
    {
        if (batchSize < 2 || !IsBatchSplittable || DataParallel == DataParallel.Off)
        {
            return 1;
        }

        if (ForcedRowBlocks > 0)
        {
            return Math.Clamp(ForcedRowBlocks, 2, batchSize);
        }

        double work = FlopsPerExample * batchSize;
        double perPair = Math.Max(SplitThresholdFlops, SplitFlopsPerParameter * parameterElements);
        // Even counts, so two blocks split evenly over two cores: the cache's demand rounded up, the work's allowance
        // rounded down.
        long allowed = (long)Math.Min(batchSize, Math.Floor(2 * work / perPair));
        allowed -= allowed % 2;
        long byCache = Math.Max(2, (long)Math.Ceiling((double)batchSize * BytesPerExample / RowBlockBytes));
        byCache += byCache % 2;
        long blocks = Math.Min(allowed, byCache);
        return blocks >= 2 ? (int)blocks : DataParallel == DataParallel.On ? 2 : 1;
    }

    /// <summary>The traced step (before optimization): its output is the loss; its update nodes write the parameters and the optimizer state.</summary>
    public Graph Graph { get; private set; }

    /// <summary>The compiled, optimized step.</summary>
    public CompiledGraph Executable { get; private set; }

    /// <summary>The optimizer whose update the step runs (and whose state it updates).</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Traces and compiles a training step.</summary>
    /// <param name="loss">The loss of a batch: (inputs, targets) → scalar, using the parameters.</param>
    /// <param name="input">The type of an input batch, e.g. <c>TensorSpec.Batched(784)</c>.</param>
    /// <param name="target">The type of a target batch.</param>
    /// <param name="optimizer">The optimizer: its parameters are trained with its update rule, clipping and learning rate.</param>
    /// <param name="dataParallel">Whether batches are split into row blocks over two cores (<see cref="DataParallel.Auto"/>:
    /// when valid and large enough; see <see cref="RowBlocks"/>).</param>
    /// <exception cref="ArgumentException">A parameter is unnamed, or the loss is not a scalar.</exception>
    /// <exception cref="InvalidOperationException"><see cref="DataParallel.On"/> for a loss that cannot be split; the message says why.</exception>
    public static CompiledTrainingStep Create(Func<Tensor, Tensor, Tensor> loss, TensorSpec input, TensorSpec target, Optimizer optimizer,
        DataParallel dataParallel = DataParallel.Auto)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        return Create((x, y) => [loss(x[0], y[0])], [input], [target], optimizer, dataParallel);
    }

    /// <summary>
    /// Traces and compiles a training step of a model with several inputs or several targets (a functional model with
    /// two inputs and two heads, say): the loss takes the input batches and the target batches in order.
    /// </summary>
    /// <param name="loss">The loss of a batch: (inputs, targets) → scalar, using the parameters.</param>
    /// <param name="inputs">The type of each input batch.</param>
    /// <param name="targets">The type of each target batch.</param>
    /// <param name="optimizer">The optimizer: its parameters are trained with its update rule, clipping and learning rate.</param>
    /// <param name="dataParallel">Whether batches are split into row blocks over two cores (see <see cref="RowBlocks"/>).</param>
    /// <exception cref="ArgumentException">No input is given, a parameter is unnamed, or the loss is not a scalar.</exception>
    /// <exception cref="InvalidOperationException"><see cref="DataParallel.On"/> for a loss that cannot be split; the message says why.</exception>
    public static CompiledTrainingStep Create(Func<Tensor[], Tensor[], Tensor> loss, TensorSpec[] inputs, TensorSpec[] targets, Optimizer optimizer,
        DataParallel dataParallel = DataParallel.Auto)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return Create((x, y) => [loss(x, y)], inputs, targets, optimizer, dataParallel);
    }

    /// <summary>A step whose function returns the loss first and then extra outputs (predictions) that <see cref="Run"/> returns too.</summary>
    internal static CompiledTrainingStep Create(Func<Tensor[], Tensor[], Tensor[]> loss, TensorSpec[] inputs, TensorSpec[] targets, Optimizer optimizer,
        DataParallel dataParallel)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (inputs.Length == 0)
        {
            throw new ArgumentException("CompiledTrainingStep.Create: a step needs at least one input spec.", nameof(inputs));
        }

        foreach (TensorSpec spec in (TensorSpec[])[.. inputs, .. targets])
        {
            ArgumentNullException.ThrowIfNull(spec, nameof(inputs));
        }

        foreach (Tensor p in optimizer.Parameters)
        {
            if (p.Name is null)
            {
                throw new ArgumentException(
                    $"CompiledTrainingStep.Create: every parameter must be named (layers name theirs by path); a {p.Type} parameter has no Name.", nameof(optimizer));
            }
        }

        return new CompiledTrainingStep(loss, inputs, targets, optimizer, dataParallel);
    }

    /// <summary>Runs one step on a batch and returns the loss before the update.</summary>
    /// <exception cref="ArgumentException">The batch does not match the traced types, or the step was created with several inputs or targets.</exception>
    public double Step(Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        return Run([input], [target])[0].ItemDouble();
    }

    /// <summary>Runs one step on the input batches and target batches (in the order of the specs it was created with) and
    /// returns the loss before the update.</summary>
    /// <exception cref="ArgumentException">The number of tensors differs from the specs, or a batch does not match its traced type.</exception>
    public double Step(Tensor[] inputs, Tensor[] targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        // Checked in place: joining the arrays would allocate on every step.
        foreach (Tensor t in inputs)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(inputs));
        }

        foreach (Tensor t in targets)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(targets));
        }

        return Run(inputs, targets)[0].ItemDouble();
    }

    /// <summary>One step; the outputs (the loss, then any extra outputs) are the executable's buffers, valid until the next run.</summary>
    internal IReadOnlyList<Tensor> Run(ReadOnlySpan<Tensor> inputBatches, ReadOnlySpan<Tensor> targetBatches)
    {
        if (inputBatches.Length != inputs.Length || targetBatches.Length != targets.Length)
        {
            throw new ArgumentException(
                $"CompiledTrainingStep.Step: the step was traced with {inputs.Length} input(s) and {targets.Length} target(s); " +
                $"{inputBatches.Length} and {targetBatches.Length} were given.");
        }

        inputBatches.CopyTo(bound);
        targetBatches.CopyTo(bound.AsSpan(inputs.Length));
        try
        {
            if (stateVersion != Optimizer.StateVersion)
            {
                (Graph, Executable) = Build();
            }

            IReadOnlyList<Tensor> outputs;
            DimBindings sizes = Executable.Graph.InferSizes(bound, "CompiledTrainingStep.Step");
            int batch = sizes.Batch;
            int blocks;
            if (analysis is { IsSplittable: true } && (blocks = RowBlocks(batch)) >= 2)
            {
                split ??= new DataParallelStep(blockGraph!, TraceUpdate(), rowOutputs, analysis.LossRole);
                Optimizer.BeginStep();
                // The parts' region, the sums and the update follow each other: with the workers held spinning, neither
                // the region nor the update's split waits for a parked worker to wake.
                using (Kernels.Parallelism.KeepWarm())
                {
                    outputs = split.Run(bound, batch, blocks);
                }
            }
            else
            {
                Optimizer.BeginStep();
                outputs = Executable.Run(bound, sizes);
            }

            Optimizer.EndStep();
            return outputs;
        }
        finally
        {
            // The step holds no batch between calls.
            Array.Clear(bound);
        }
    }

    private (Graph Graph, CompiledGraph Executable) Build()
    {
        Optimizer.CreateMissingState(parameters);
        stateVersion = Optimizer.StateVersion;
        [InvokesUserCode]
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        Tensor[] StepFunction(Tensor[] batch)
        {
            Tensor[] outputs;
            Tensor value;
            Tensor?[] gradients;
            using (Autodiff.EnableGrad())
            {
                outputs = loss(batch[..inputs.Length], batch[inputs.Length..]);
                value = outputs[0];
                if (value.Rank != 0)
                {
                    throw new ArgumentException($"CompiledTrainingStep: the loss must be a scalar, got {value.Type}.");
                }

                gradients = ReverseWalk.Run(value, value.OnesLike(), [.. parameters], retainGraph: false, createGraph: false, allowUnused: true)!;
            }

            using (Autodiff.NoGrad())
            {
                Optimizer.Apply(parameters, gradients);
            }

            return outputs;
        }

        Graph graph = Graph.Trace(StepFunction, [.. inputs, .. targets]);
        split = null;
        analysis = null;
        if (DataParallel != DataParallel.Off)
        {
            TraceBlock();
            if (DataParallel == DataParallel.On && !analysis!.IsSplittable)
            {
                throw new InvalidOperationException($"CompiledTrainingStep: DataParallel.On, but the batch cannot be split: {analysis.Reason}.");
            }
        }

        return (graph, graph.Compile());
    }

    /// <summary>Traces what each row block of a split batch runs — the loss, the extra outputs and the gradients, no update —
    /// and analyses whether the split is exact.</summary>
    private void TraceBlock()
    {
        [InvokesUserCode]
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        Tensor[] BlockFunction(Tensor[] batch)
        {
            using (Autodiff.EnableGrad())
            {
                Tensor[] outputs = loss(batch[..inputs.Length], batch[inputs.Length..]);
                Tensor value = outputs[0];
                if (value.Rank != 0)
                {
                    throw new ArgumentException($"CompiledTrainingStep: the loss must be a scalar, got {value.Type}.");
                }

                Tensor?[] gradients = ReverseWalk.Run(value, value.OnesLike(), [.. parameters], retainGraph: false, createGraph: false, allowUnused: true)!;
                rowOutputs = outputs.Length - 1;
                gradientParameters = [.. Enumerable.Range(0, gradients.Length).Where(i => gradients[i] is not null)];
                parameterElements = gradientParameters.Sum(i => (long)parameters[i].Size);
                return [.. outputs, .. gradientParameters.Select(i => gradients[i]!)];
            }
        }

        blockGraph = Graph.Trace(BlockFunction, [.. inputs, .. targets]);
        analysis = BatchSplitAnalysis.Analyze(blockGraph, rowOutputs);
    }

    /// <summary>Traces the optimizer's update (clipping and update ops) as a function of the combined gradients.</summary>
    private Graph TraceUpdate()
    {
        Tensor[] UpdateFunction(Tensor[] combined)
        {
            var gradients = new Tensor?[parameters.Count];
            for (int k = 0; k < gradientParameters.Length; k++)
            {
                gradients[gradientParameters[k]] = combined[k];
            }

            using (Autodiff.NoGrad())
            {
                Optimizer.Apply(parameters, gradients);
            }

            // A graph needs an output; its work is the update nodes' state writes, which passes always keep.
            return [combined[0]];
        }

        return Graph.Trace(UpdateFunction, [.. gradientParameters.Select(i => TensorSpec.Of(parameters[i].Type))]);
    }
}
