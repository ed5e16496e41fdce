using AutoGrad.Kernels;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// A training step that splits its batch in two: rows [0, n₁) and [n₁, B) with n₁ = ⌈B/2⌉, each run through the loss and
/// its gradient on its own compiled instance (own buffers) as one part of a two-part parallel region, so each half runs
/// on one core and its kernels stay on that core. The halves' gradients are then combined in a fixed order,
/// g = w₁·g₁ + w₂·g₂ (w_i = n_i/B for a mean loss, 1 for a sum), and the optimizer's compiled update (clipping included)
/// runs once on g. With one thread the two parts run one after the other through the same code, so the numbers do not
/// depend on the thread count. Built only for graphs <see cref="BatchSplitAnalysis"/> proves splittable.
/// </summary>
internal sealed class DataParallelStep : IParallelBody
{
    private readonly CompiledGraph[] halves;
    private readonly CompiledGraph update;
    private readonly int rowOutputs;
    private readonly bool mean;
    private readonly Tensor[] gradients;
    private readonly Dictionary<int, BatchBuffers> buffers = [];

    // Set before each parallel region, read by Execute.
    private Tensor? input;
    private Tensor? target;
    private BatchBuffers? current;

    public DataParallelStep(Graph halfGraph, Graph updateGraph, int rowOutputs, BatchRole lossRole)
    {
        Graph optimized = halfGraph.Optimize();
        halves = [optimized.Compile(optimize: false), optimized.Compile(optimize: false)];
        update = updateGraph.Compile();
        this.rowOutputs = rowOutputs;
        mean = lossRole == BatchRole.MeanOverBatch;
        gradients = [.. updateGraph.Inputs.Select(i => new Tensor(i.Type.Resolve(1)))];
    }

    /// <summary>One step on a batch of at least two examples: the outputs (loss, then per-example outputs) are this step's
    /// buffers, valid until the next run.</summary>
    public IReadOnlyList<Tensor> Run(Tensor x, Tensor y, int batch)
    {
        if (!buffers.TryGetValue(batch, out BatchBuffers? b))
        {
            b = new BatchBuffers(batch, halves[0].Graph, rowOutputs);
            buffers[batch] = b;
        }

        input = x;
        target = y;
        current = b;
        try
        {
            Parallelism.For(2, this, Math.Min(2, Settings.NumThreads));
        }
        finally
        {
            input = null;
            target = null;
            current = null;
        }

        // Fixed order, whichever thread ran which half.
        double w1 = mean ? (double)b.Rows[0] / batch : 1.0;
        double w2 = mean ? (double)b.Rows[1] / batch : 1.0;
        IReadOnlyList<Tensor> first = b.HalfOutputs[0]!, second = b.HalfOutputs[1]!;
        b.Outputs[0].SetFlat(0, (w1 * first[0].ItemDouble()) + (w2 * second[0].ItemDouble()));
        for (int o = 1; o <= rowOutputs; o++)
        {
            CopyRows(first[o], 0, b.Outputs[o], 0, b.Rows[0]);
            CopyRows(second[o], 0, b.Outputs[o], b.Rows[0], b.Rows[1]);
        }

        for (int k = 0; k < gradients.Length; k++)
        {
            Combine(first[1 + rowOutputs + k], second[1 + rowOutputs + k], gradients[k], w1, w2);
        }

        update.Run(gradients);
        return b.Outputs;
    }

    /// <summary>Runs half <paramref name="index"/>: copies its rows into its own input buffers and runs its executable.</summary>
    public void Execute(int index)
    {
        BatchBuffers b = current!;
        int start = index == 0 ? 0 : b.Rows[0];
        // An input without a batch axis (shared by every example) goes to both halves whole.
        Tensor x = b.Inputs[index] ?? input!, y = b.Targets[index] ?? target!;
        if (b.Inputs[index] is not null)
        {
            CopyRows(input!, start, x, 0, b.Rows[index]);
        }

        if (b.Targets[index] is not null)
        {
            CopyRows(target!, start, y, 0, b.Rows[index]);
        }

        b.HalfOutputs[index] = halves[index].Run(x, y);
    }

    private static void CopyRows(Tensor source, int sourceRow, Tensor destination, int destinationRow, int rows)
    {
        int rowSize = source.Shape.Rank == 0 || source.Shape[0] == 0 ? 0 : source.Size / source.Shape[0];
        source.CopyTo(sourceRow * rowSize, destination, destinationRow * rowSize, rows * rowSize);
    }

    private static void Combine(Tensor g1, Tensor g2, Tensor destination, double w1, double w2)
    {
        if (destination.DType == DType.Float32)
        {
            Span<float> d = destination.AsSpan<float>();
            System.Numerics.Tensors.TensorPrimitives.Multiply(g1.AsSpan<float>(), (float)w1, d);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(g2.AsSpan<float>(), (float)w2, d, d);
        }
        else
        {
            Span<double> d = destination.AsSpan<double>();
            System.Numerics.Tensors.TensorPrimitives.Multiply(g1.AsSpan<double>(), w1, d);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(g2.AsSpan<double>(), w2, d, d);
        }
    }

    /// <summary>The buffers of one full batch size: each half's inputs, the halves' outputs and the re-joined outputs.</summary>
    private sealed class BatchBuffers
    {
        public BatchBuffers(int batch, Graph half, int rowOutputs)
        {
            Rows = [(batch + 1) / 2, batch / 2];
            Inputs = [.. Rows.Select(n => HalfBuffer(half.Inputs[0].Type, n))];
            Targets = [.. Rows.Select(n => HalfBuffer(half.Inputs[1].Type, n))];
            Outputs = new Tensor[1 + rowOutputs];
            Outputs[0] = new Tensor(new TensorType(Shape.Scalar, half.TypeOf(half.Outputs[0]).DType));
            for (int o = 1; o <= rowOutputs; o++)
            {
                Outputs[o] = new Tensor(half.TypeOf(half.Outputs[o]).Resolve(batch));
            }
        }

        public int[] Rows { get; }

        /// <summary>Each half's rows of the input, or null where the input has no batch axis.</summary>
        public Tensor?[] Inputs { get; }

        public Tensor?[] Targets { get; }

        public IReadOnlyList<Tensor>?[] HalfOutputs { get; } = new IReadOnlyList<Tensor>?[2];

        public Tensor[] Outputs { get; }

        private static Tensor? HalfBuffer(TensorSpec spec, int rows) => spec.IsSymbolic ? new Tensor(spec.Resolve(rows)) : null;
    }
}
