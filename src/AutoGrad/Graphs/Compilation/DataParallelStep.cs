using System.Runtime.CompilerServices;
using AutoGrad.Kernels;
using AutoGrad.Ops;
using AutoGrad.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// A training step that runs its batch as K row blocks: block k holds rows [s_k, s_k + n_k), the first B mod K blocks one
/// row longer than the rest. Each block runs the loss and its gradient on a compiled instance of the per-block graph
/// while its rows are still in cache, reading them straight from the caller's tensor (a view, no copy). The blocks are
/// dealt to P = min(<see cref="MaxParts"/>, K) parts as contiguous runs (part p gets blocks [p·K/P, (p+1)·K/P)); the
/// parts run as one parallel region, dealt by affinity (each core starts on its own half of the parts and takes the
/// other's unstarted ones when it finishes first, so a core slowed by other load runs fewer),
/// each part with its own compiled instance (own buffers) and its kernels kept on its core. Part p sums its blocks'
/// gradients in block order, G_p = Σ w_k·g_k (w_k = n_k/B for a mean loss, 1 for a sum), and the step's gradient is
/// G₀ + G₁ + … + G_{P−1} in that order, on which the optimizer's compiled update (clipping included) runs once. The order
/// of every sum is fixed by K alone, and K never depends on the thread count, so one thread (the parts run one after the
/// other) and two give the same bits. Built only for graphs <see cref="BatchSplitAnalysis"/> proves splittable.
/// </summary>
internal sealed class DataParallelStep : IParallelBody
{
    /// <summary>The most parts the blocks are dealt to: a constant of the algorithm, never the thread count, so the order of
    /// the sums is the same on every machine. More parts than cores let a core that is free take another part while the
    /// other is held up; each part costs one compiled instance and one gradient sum.</summary>
    public const int MaxParts = 8;

    private readonly Graph optimized;
    private readonly CompiledGraph?[] instances = new CompiledGraph?[MaxParts];
    private readonly CompiledGraph update;
    private readonly Graph updateGraph;
    private readonly int rowOutputs;
    private readonly bool mean;
    private readonly bool isFloat;

    // sums[0] are the update's inputs; the other parts' sums are added into them in part order.
    private readonly Tensor[]?[] sums = new Tensor[]?[MaxParts];
    private readonly double[] losses = new double[MaxParts];
    private readonly Dictionary<(int Batch, int Blocks), BatchBuffers> buffers = [];

    // Set before each parallel region, read by Execute: the step's inputs then targets, and each part's block arguments.
    private Tensor[] bound = [];
    private readonly Tensor[]?[] arguments = new Tensor[]?[MaxParts];
    private BatchBuffers? current;
    private int parts;

    public DataParallelStep(Graph blockGraph, Graph updateGraph, int rowOutputs, BatchRole lossRole)
    {
        optimized = blockGraph.Optimize();
        update = updateGraph.Compile();
        this.updateGraph = updateGraph;
        this.rowOutputs = rowOutputs;
        mean = lossRole == BatchRole.MeanOverBatch;
        isFloat = updateGraph.Inputs.Length == 0 || updateGraph.Inputs[0].Type.DType == DType.Float32;
    }

    /// <summary>One step on a batch of <paramref name="batch"/> examples in <paramref name="blocks"/> ≥ 2 row blocks: the
    /// outputs (loss, then per-example outputs) are this step's buffers, valid until the next run.</summary>
    public IReadOnlyList<Tensor> Run(Tensor[] batchTensors, int batch, int blocks)
    {
        if (!buffers.TryGetValue((batch, blocks), out BatchBuffers? b))
        {
            b = new BatchBuffers(batch, blocks, optimized, rowOutputs);
            buffers[(batch, blocks)] = b;
        }

        int count = Math.Min(MaxParts, blocks);
        for (int p = 0; p < count; p++)
        {
            instances[p] ??= optimized.Compile(optimize: false);
            sums[p] ??= [.. updateGraph.Inputs.Select(i => new Tensor(i.Type.Resolve(1)))];
            arguments[p] ??= new Tensor[batchTensors.Length];
        }

        b.Bind(batchTensors);
        bound = batchTensors;
        current = b;
        parts = count;
        try
        {
            Parallelism.For(count, this, Math.Min(count, Settings.NumThreads));
        }
        finally
        {
            bound = [];
            current = null;
            for (int p = 0; p < count; p++)
            {
                Array.Clear(arguments[p]!);
            }
        }

        // Fixed order, whichever thread ran which part: every element adds the parts in part order, so splitting a large
        // gradient's elements over the cores (while the pool is warm) changes no bit.
        Tensor[] total = sums[0]!;
        double loss = losses[0];
        for (int p = 1; p < count; p++)
        {
            loss += losses[p];
        }

        for (int g = 0; g < total.Length; g++)
        {
            int size = total[g].Size;
            int threads = count > 1 && Parallelism.IsWarm ? Parallelism.ThreadsFor(size, WarmMinSumElementsPerThread) : 1;
            if (threads > 1)
            {
                summing.Run(this, g, count, threads);
            }
            else
            {
                SumParts(g, count, 0, size);
            }
        }

        b.Outputs[0].SetFlat(0, loss);
        update.Run(total);
        return b.Outputs;
    }

    /// <summary>Runs part <paramref name="index"/>: its blocks in order, each summed into the part's gradients.</summary>
    public void Execute(int index)
    {
        BatchBuffers b = current!;
        CompiledGraph instance = instances[index]!;
        Tensor[] sum = sums[index]!;
        Tensor[] args = arguments[index]!;
        int first = index * b.Blocks / parts, end = (index + 1) * b.Blocks / parts;
        double loss = 0;
        for (int k = first; k < end; k++)
        {
            // An input without a batch axis (shared by every example) goes to every block whole.
            for (int i = 0; i < args.Length; i++)
            {
                args[i] = b.Views[i]?[k] ?? bound[i];
            }

            IReadOnlyList<Tensor> outputs = instance.Run(args);
            double w = mean ? (double)b.Rows[k] / b.Batch : 1.0;
            loss += w * outputs[0].ItemDouble();
            for (int o = 1; o <= rowOutputs; o++)
            {
                int rowSize = b.Outputs[o].Size / b.Batch;
                outputs[o].CopyTo(0, b.Outputs[o], b.Starts[k] * rowSize, b.Rows[k] * rowSize);
            }

            for (int g = 0; g < sum.Length; g++)
            {
                Accumulate(outputs[1 + rowOutputs + g], sum[g], w, k == first);
            }
        }

        losses[index] = loss;
    }

    /// <summary>sum = w·g for the part's first block, sum += w·g after.</summary>
    private void Accumulate(Tensor g, Tensor sum, double w, bool first)
    {
        if (isFloat)
        {
            Span<float> d = sum.AsSpan<float>();
            if (first)
            {
                TensorPrimitives.Multiply(g.AsSpan<float>(), (float)w, d);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(g.AsSpan<float>(), (float)w, d, d);
            }
        }
        else
        {
            Span<double> d = sum.AsSpan<double>();
            if (first)
            {
                TensorPrimitives.Multiply(g.AsSpan<double>(), w, d);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(g.AsSpan<double>(), w, d, d);
            }
        }
    }

    /// <summary>Elements [start, start + length) of gradient <paramref name="g"/>: part 0's sum plus parts 1… in order.</summary>
    private void SumParts(int g, int count, int start, int length)
    {
        for (int p = 1; p < count; p++)
        {
            Tensor destination = sums[0]![g], other = sums[p]![g];
            if (isFloat)
            {
                Span<float> d = destination.AsSpan<float>().Slice(start, length);
                TensorPrimitives.Add(d, other.AsSpan<float>().Slice(start, length), d);
            }
            else
            {
                Span<double> d = destination.AsSpan<double>().Slice(start, length);
                TensorPrimitives.Add(d, other.AsSpan<double>().Slice(start, length), d);
            }
        }
    }

    /// <summary>The fewest gradient elements per thread for which the parts' sums split while the pool is warm (a split
    /// step holds it so): 16,384, as the optimizer updates that follow.</summary>
    private const int WarmMinSumElementsPerThread = 16_384;

    private readonly SumJob summing = new();

    /// <summary>One gradient's part sums split by element ranges; reused, so no allocation per step.</summary>
    private sealed class SumJob : IRangeBody
    {
        private DataParallelStep? step;
        private int gradient;
        private int count;

        public void Run(DataParallelStep owner, int g, int parts, int threads)
        {
            (step, gradient, count) = (owner, g, parts);
            try
            {
                Parallelism.ForRanges(owner.sums[0]![g].Size, this, threads);
            }
            finally
            {
                step = null;
            }
        }

        public void Execute(int start, int length) => step!.SumParts(gradient, count, start, length);
    }

    /// <summary>The layout of one (batch size, block count): each block's rows, its views of the caller's tensors, and the
    /// step's outputs (the loss and the per-example outputs re-joined by rows).</summary>
    private sealed class BatchBuffers
    {
        private readonly bool[] hasRows;

        // The block views made over each tensor storage seen, held only as long as that storage lives: a step fed the same
        // tensors again (or batches it has seen before, as in a second epoch over pre-made batches) allocates nothing; a
        // new tensor costs one small view object per block, never a copy of its rows. One table per bound tensor.
        private readonly ConditionalWeakTable<TensorStorage, Tensor[]>[] viewCaches;

        public BatchBuffers(int batch, int blocks, Graph block, int rowOutputs)
        {
            Batch = batch;
            Blocks = blocks;
            Rows = new int[blocks];
            Starts = new int[blocks];
            for (int k = 0, start = 0; k < blocks; k++)
            {
                Rows[k] = (batch / blocks) + (k < batch % blocks ? 1 : 0);
                Starts[k] = start;
                start += Rows[k];
            }

            hasRows = [.. block.Inputs.Select(i => i.Type.IsSymbolic)];
            viewCaches = [.. hasRows.Select(_ => new ConditionalWeakTable<TensorStorage, Tensor[]>())];
            Views = new Tensor[]?[hasRows.Length];
            Outputs = new Tensor[1 + rowOutputs];
            Outputs[0] = new Tensor(new TensorType(Shape.Scalar, block.TypeOf(block.Outputs[0]).DType));
            for (int o = 1; o <= rowOutputs; o++)
            {
                Outputs[o] = new Tensor(block.TypeOf(block.Outputs[o]).Resolve(batch));
            }
        }

        public int Batch { get; }

        public int Blocks { get; }

        public int[] Rows { get; }

        public int[] Starts { get; }

        /// <summary>Per bound tensor (inputs, then targets): each block's rows of it, or null when it has no batch axis.</summary>
        public Tensor[]?[] Views { get; }

        public Tensor[] Outputs { get; }

        /// <summary>Points the block views at the rows of the step's inputs and targets.</summary>
        public void Bind(Tensor[] batchTensors)
        {
            for (int i = 0; i < Views.Length; i++)
            {
                Views[i] = hasRows[i] ? ViewsOf(batchTensors[i], viewCaches[i]) : null;
            }
        }

        private Tensor[] ViewsOf(Tensor source, ConditionalWeakTable<TensorStorage, Tensor[]> cache)
        {
            if (!cache.TryGetValue(source.storage, out Tensor[]? views))
            {
                views = new Tensor[Blocks];
                for (int k = 0; k < Blocks; k++)
                {
                    views[k] = source.RowsView(Starts[k], Rows[k]);
                }

                cache.AddOrUpdate(source.storage, views);
            }

            return views;
        }
    }
}
