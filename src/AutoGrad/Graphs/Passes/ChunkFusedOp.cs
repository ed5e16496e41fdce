using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using AutoGrad.Kernels;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// A per-example producer fused with the per-example node that reads its value, a few examples at a time: for each chunk
/// of rows, the producer's own kernel writes the chunk's share of the value into a small per-thread buffer, and the
/// reader's own kernel reads it from there while it is in cache. The value itself is never written. Inputs: the
/// producer's, then the reader's other operands; <see cref="RowInputs"/> marks those that carry the examples along
/// axis 0 (the others, weights, are read whole). In the printed program <c>t0</c> is the producer's value.
/// Produced by <see cref="ChunkFusion"/>; its gradient is the producer's followed by the reader's, through each op's own
/// rule.
/// </summary>
/// <remarks>
/// Chunks hold about <see cref="ChunkBytes"/> of the value (512 KB); the chunking depends only on the shapes, each example's
/// numbers come from the same kernels as without the fusion, and chunks go to the cores whole, so results do not depend
/// on the thread count.
/// </remarks>
internal sealed class ChunkFusedOp : Op
{
    /// <summary>Fuses <paramref name="producer"/> into <paramref name="consumer"/>.</summary>
    /// <param name="producer">The op whose value is fused; its inputs are the node's first <paramref name="producerInputs"/>.</param>
    /// <param name="producerInputs">How many of the node's inputs are the producer's.</param>
    /// <param name="consumer">The op reading the value.</param>
    /// <param name="consumerOperands">The consumer's operands: <c>t0</c> for the producer's value, <c>xN</c> for node input N.</param>
    /// <param name="rowInputs">For each node input, whether it carries the examples along axis 0.</param>
    /// <param name="chunkBytes">Bytes of the value a chunk holds (tests use small chunks); <see cref="DefaultChunkBytes"/> when 0.</param>
    public ChunkFusedOp(Op producer, int producerInputs, Op consumer, ImmutableArray<FusedOperand> consumerOperands, ImmutableArray<bool> rowInputs,
        int chunkBytes = 0)
    {
        if (consumerOperands.Any(o => o.IsTemporary && o.Index != 0) || !consumerOperands.Any(o => o.IsTemporary))
        {
            throw new ArgumentException($"chunk_fused: the consumer must read the producer's value (t0) and node inputs only, got ({string.Join(", ", consumerOperands)}).", nameof(consumerOperands));
        }

        Producer = producer;
        ProducerInputs = producerInputs;
        Consumer = consumer;
        RowInputs = rowInputs;
        ChunkBytes = chunkBytes > 0 ? chunkBytes : DefaultChunkBytes;
        Steps =
        [
            new FusedInstruction(producer, [.. Enumerable.Range(0, producerInputs).Select(i => new FusedOperand(false, i))]),
            new FusedInstruction(consumer, consumerOperands),
        ];
    }

    /// <summary>Bytes of the value a chunk holds unless told otherwise: 512 KB, so a chunk and the reader's share of
    /// its inputs and output stay within a 2 MB L2 (the benchmarks set other sizes to compare).</summary>
    internal static int DefaultChunkBytes { get; set; } = 512 * 1024;

    /// <summary>Bytes of the value a chunk holds.</summary>
    public int ChunkBytes { get; }

    /// <summary>The op whose value is fused.</summary>
    public Op Producer { get; }

    /// <summary>How many of the node's inputs are the producer's.</summary>
    public int ProducerInputs { get; }

    /// <summary>The op reading the value.</summary>
    public Op Consumer { get; }

    /// <summary>For each node input, whether it carries the examples along axis 0.</summary>
    public ImmutableArray<bool> RowInputs { get; }

    /// <summary>The producer then the consumer, as one program over the node's inputs (the type rule, the cost and the gradient read it).</summary>
    internal ImmutableArray<FusedInstruction> Steps { get; }

    public override string Name => "chunk_fused";

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("consumer", $"{Consumer}({string.Join(", ", Steps[1].Operands)})"), new("producer", Producer.ToString())];

    public override SavedValues Saves => SavedValues.AllInputs;

    protected internal override bool ForwardWritesEveryElement => Consumer.ForwardWritesEveryElement;

    /// <summary>Both ops' flops; memory is touched once for the inputs and the output (the value never makes a round trip).</summary>
    public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output) =>
        new(FusedElementwiseOp.ProgramFlops(Steps, inputs), DefaultBytes(inputs, output));

    /// <summary>The consumer's type; every row input, the value and the output must have the same number of rows.</summary>
    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        if (inputs.Length != RowInputs.Length || inputs.Length < ProducerInputs)
        {
            throw new ArgumentException($"{Name}: expected {RowInputs.Length} inputs ({ProducerInputs} for '{Producer}'), got {inputs.Length}.");
        }

        TensorType[] types = FusedElementwiseOp.ProgramTypes(Steps, inputs, null);
        TensorType value = types[0], output = types[1];
        int rows = value.Shape.Rank > 0 ? value.Shape[0] : -1;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (RowInputs[i] && (inputs[i].Shape.Rank == 0 || inputs[i].Shape[0] != rows))
            {
                throw new ArgumentException($"{Name}: input {i} {inputs[i]} does not have the {rows} rows of '{Producer}''s value {value}.");
            }
        }

        if (output.Shape.Rank == 0 || output.Shape[0] != rows)
        {
            throw new ArgumentException($"{Name}: '{Consumer}' gives {output}, which does not have the {rows} rows of its input {value}.");
        }

        return output;
    }

    public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
        FusedElementwiseOp.ProgramBatchRule(Steps, inputs, inputTypes);

    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => RunPrepared(inputs, output);

    /// <summary>The chunking and each chunk's kernels, prepared once for these types.</summary>
    public override OpKernel Prepare(ReadOnlySpan<TensorType> inputs, TensorType output) => new Kernel(this, inputs.ToArray(), output);

    /// <summary>
    /// The producer's gradient rule after the consumer's: both are replayed with their ops and walked backwards through
    /// each op's own rule, so an optimized graph can be differentiated again.
    /// </summary>
    public override Tensor?[] Backward(GradientContext context) => FusedElementwiseOp.ProgramBackward(Steps, context);

    /// <summary>Rows of the value per chunk for a value of type <paramref name="value"/>: about <see cref="ChunkBytes"/>, at least one.</summary>
    internal int RowsPerChunk(TensorType value)
    {
        int rows = value.Shape[0];
        long bytesPerRow = rows == 0 ? 0 : (long)value.Shape.Size / rows * value.DType.ElementSize();
        return (int)Math.Clamp(ChunkBytes / Math.Max(1L, bytesPerRow), 1, Math.Max(1, rows));
    }

    /// <summary>
    /// The prepared node: the row views of its inputs and output per chunk (made when a new tensor is seen, then cached),
    /// and one workspace per thread (the value's buffer and both ops' kernels prepared for a chunk and for the last,
    /// shorter one), so a steady run allocates nothing.
    /// </summary>
    private sealed class Kernel : OpKernel, IParallelBody
    {
        private readonly ChunkFusedOp op;
        private readonly TensorType[] inputTypes;
        private readonly TensorType outputType;
        private readonly TensorType valueType;
        private readonly int rows;
        private readonly int perChunk;
        private readonly int chunks;
        private readonly double flops;
        // Each tensor's row views, kept while the tensor lives (an arena value or the caller's batch), without keeping it alive.
        private readonly ConditionalWeakTable<Tensor, Tensor[]> viewCache = [];
        private readonly Tensor[]?[] views;
        private readonly Stack<Workspace> idle = new();
        private readonly Tensor[] bound;
        private Tensor[]? currentOutput;
        private int workspaces;

        public Kernel(ChunkFusedOp op, TensorType[] inputs, TensorType output)
        {
            this.op = op;
            inputTypes = inputs;
            outputType = output;
            valueType = FusedElementwiseOp.ProgramTypes(op.Steps, inputs, null)[0];
            rows = output.Shape[0];
            perChunk = op.RowsPerChunk(valueType);
            chunks = rows == 0 ? 0 : (rows + perChunk - 1) / perChunk;
            flops = FusedElementwiseOp.ProgramFlops(op.Steps, inputs);
            views = new Tensor[]?[inputs.Length];
            bound = new Tensor[inputs.Length];
        }

        public override void Run(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            if (chunks == 0)
            {
                return;
            }

            for (int i = 0; i < inputs.Length; i++)
            {
                bound[i] = inputs[i];
                views[i] = op.RowInputs[i] ? ViewsOf(inputs[i]) : null;
            }

            currentOutput = ViewsOf(output);
            // Every thread that may run a chunk finds its workspace ready: none is made inside a parallel region.
            int threads = chunks < 2 ? 1 : Parallelism.ThreadsFor(flops, Gemm.SplitFlopsPerThread);
            while (workspaces < Math.Min(threads, chunks))
            {
                idle.Push(new Workspace(this));
                workspaces++;
            }

            try
            {
                if (threads <= 1)
                {
                    for (int k = 0; k < chunks; k++)
                    {
                        Execute(k);
                    }
                }
                else
                {
                    Parallelism.For(chunks, this, threads);
                }
            }
            finally
            {
                Array.Clear(bound);
                Array.Clear(views);
                currentOutput = null;
            }
        }

        /// <summary>Runs chunk <paramref name="index"/>: rows [index·perChunk, …) of the value, then of the output.</summary>
        public void Execute(int index)
        {
            Workspace workspace;
            lock (idle)
            {
                workspace = idle.Pop();
            }

            try
            {
                workspace.Run(index, index == chunks - 1 && rows % perChunk != 0);
            }
            finally
            {
                lock (idle)
                {
                    idle.Push(workspace);
                }
            }
        }

        private Tensor[] ViewsOf(Tensor tensor)
        {
            if (!viewCache.TryGetValue(tensor, out Tensor[]? parts))
            {
                parts = new Tensor[chunks];
                for (int k = 0; k < chunks; k++)
                {
                    parts[k] = tensor.RowsView(k * perChunk, Math.Min(perChunk, rows - (k * perChunk)));
                }

                viewCache.AddOrUpdate(tensor, parts);
            }

            return parts;
        }

        private static TensorType WithRows(TensorType type, int count)
        {
            int[] dims = type.Shape.ToArray();
            dims[0] = count;
            return new TensorType(Shape.FromOwned(dims), type.DType);
        }

        /// <summary>One thread's buffer for a chunk of the value and both ops' kernels at the chunk's size (and the last's).</summary>
        private sealed class Workspace
        {
            private readonly Kernel owner;
            private readonly Tensor value;
            private readonly Tensor shortValue;
            private readonly OpKernel producer;
            private readonly OpKernel consumer;
            private readonly OpKernel shortProducer;
            private readonly OpKernel shortConsumer;
            private readonly Tensor[] producerArguments;
            private readonly Tensor[] consumerArguments;

            public Workspace(Kernel owner)
            {
                this.owner = owner;
                int last = owner.rows - ((owner.chunks - 1) * owner.perChunk);
                value = new Tensor(WithRows(owner.valueType, owner.perChunk), uninitialized: true);
                shortValue = value.RowsView(0, last);
                (producer, consumer) = Prepare(owner.perChunk);
                (shortProducer, shortConsumer) = Prepare(last);
                producerArguments = new Tensor[owner.op.ProducerInputs];
                consumerArguments = new Tensor[owner.op.Steps[1].Operands.Length];
            }

            public void Run(int chunk, bool isShort)
            {
                ChunkFusedOp op = owner.op;
                for (int i = 0; i < producerArguments.Length; i++)
                {
                    producerArguments[i] = Argument(i, chunk);
                }

                Tensor chunkValue = isShort ? shortValue : value;
                if (!op.Producer.ForwardWritesEveryElement)
                {
                    chunkValue.ClearElements();
                }

                (isShort ? shortProducer : producer).Run(producerArguments, chunkValue);
                ImmutableArray<FusedOperand> operands = op.Steps[1].Operands;
                for (int j = 0; j < operands.Length; j++)
                {
                    consumerArguments[j] = operands[j].IsTemporary ? chunkValue : Argument(operands[j].Index, chunk);
                }

                (isShort ? shortConsumer : consumer).Run(consumerArguments, owner.currentOutput![chunk]);
                Array.Clear(producerArguments);
                Array.Clear(consumerArguments);
            }

            private Tensor Argument(int input, int chunk) => owner.op.RowInputs[input] ? owner.views[input]![chunk] : owner.bound[input];

            private (OpKernel Producer, OpKernel Consumer) Prepare(int count)
            {
                ChunkFusedOp op = owner.op;
                TensorType Input(int i) => op.RowInputs[i] ? WithRows(owner.inputTypes[i], count) : owner.inputTypes[i];
                TensorType[] producerTypes = [.. Enumerable.Range(0, op.ProducerInputs).Select(Input)];
                TensorType chunkValue = WithRows(owner.valueType, count);
                TensorType[] consumerTypes = [.. op.Steps[1].Operands.Select(o => o.IsTemporary ? chunkValue : Input(o.Index))];
                return (op.Producer.Prepare(producerTypes, chunkValue), op.Consumer.Prepare(consumerTypes, WithRows(owner.outputType, count)));
            }
        }
    }
}
