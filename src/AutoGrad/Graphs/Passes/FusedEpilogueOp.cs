using System.Collections.Immutable;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// A producer whose output is written by an epilogue-capable kernel (a matrix product, a convolution or a max-pooling gradient, see
/// <see cref="IEpilogueProducer"/>) fused with the elementwise program that consumes it: the program runs as the kernel's
/// epilogue (<see cref="EpilogueLoop{T}"/>) on each finished block of the product, so a bias add, an activation or a
/// gradient's mask costs no sweep of its own over the result. Inputs: the producer's, then the program's other operands.
/// In the printed program <c>x0</c> is the product and <c>xN</c> (N ≥ 1) is the fused node's input N + (the producer's
/// input count) − 1; each is the product's shape or one value, or, for a 2-D product, a row ([n] or [1, n]) or a column
/// ([m, 1]). Produced by
/// <see cref="GemmEpilogueFusion"/>; its gradient is the producer's followed by the program's, through each op's own rule.
/// </summary>
internal sealed class FusedEpilogueOp : Op
{
    /// <summary>Fuses <paramref name="producer"/> with <paramref name="epilogue"/>.</summary>
    /// <param name="producer">An op implementing <see cref="IEpilogueProducer"/>.</param>
    /// <param name="producerInputs">How many of the node's inputs are the producer's.</param>
    /// <param name="epilogue">The program; <c>x0</c> is the product. Every op must be an <see cref="ILaneOp"/>.</param>
    /// <exception cref="ArgumentException">The producer cannot run an epilogue or an op of the program has no lane.</exception>
    public FusedEpilogueOp(Op producer, int producerInputs, ImmutableArray<FusedInstruction> epilogue)
    {
        if (producer is not IEpilogueProducer)
        {
            throw new ArgumentException($"fused_epilogue: '{producer}' cannot run an epilogue.", nameof(producer));
        }

        if (epilogue.IsEmpty || epilogue.Any(i => i.Op is not ILaneOp))
        {
            throw new ArgumentException($"fused_epilogue: every op of the epilogue needs a lane, got {{{string.Join("; ", epilogue)}}}.", nameof(epilogue));
        }

        Producer = producer;
        ProducerInputs = producerInputs;
        Epilogue = epilogue;

        // The whole computation as one program over the node's inputs (the producer first, the epilogue's operands
        // renumbered), for type inference, cost, batching and the gradient.
        var steps = ImmutableArray.CreateBuilder<FusedInstruction>(epilogue.Length + 1);
        steps.Add(new FusedInstruction(producer, [.. Enumerable.Range(0, producerInputs).Select(i => new FusedOperand(false, i))]));
        foreach (FusedInstruction instruction in epilogue)
        {
            steps.Add(instruction with
            {
                Operands = [.. instruction.Operands.Select(o =>
                    o.IsTemporary ? new FusedOperand(true, o.Index + 1)
                    : o.Index == 0 ? new FusedOperand(true, 0)
                    : new FusedOperand(false, producerInputs + o.Index - 1))],
            });
        }

        Steps = steps.MoveToImmutable();
    }

    /// <summary>The op computing the product.</summary>
    public Op Producer { get; }

    /// <summary>How many of the node's inputs are the producer's.</summary>
    public int ProducerInputs { get; }

    /// <summary>The elementwise program applied to the product (<c>x0</c>).</summary>
    public ImmutableArray<FusedInstruction> Epilogue { get; }

    /// <summary>The producer then the epilogue, as one program over the node's inputs (step 0 is the product; the ONNX
    /// exporter reads it to write the product and each instruction as one op each).</summary>
    internal ImmutableArray<FusedInstruction> Steps { get; }

    public override string Name => "fused_epilogue";

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("epilogue", "{" + string.Join("; ", Epilogue) + "}"), new("producer", Producer.ToString())];

    public override SavedValues Saves => SavedValues.AllInputs;

    protected internal override bool ForwardWritesEveryElement => true;

    /// <summary>The producer's cost and every epilogue instruction's flops; memory is touched once for the inputs and the
    /// output (the product never makes a round trip of its own).</summary>
    public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output)
    {
        return new(FusedElementwiseOp.ProgramFlops(Steps, inputs), DefaultBytes(inputs, output));
    }

    /// <summary>The producer's type, checked to be unchanged by the epilogue, whose operands must be read by one of the patterns (<see cref="ReadOf"/>).</summary>
    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        if (inputs.Length < ProducerInputs)
        {
            throw new ArgumentException($"{Name}: expected at least {ProducerInputs} inputs for '{Producer}', got {inputs.Length}.");
        }

        Span<int> ranks = stackalloc int[ProducerInputs];
        for (int i = 0; i < ranks.Length; i++)
        {
            ranks[i] = inputs[i].Shape.Rank;
        }

        if (!((IEpilogueProducer)Producer).AcceptsEpilogue(ranks))
        {
            throw new ArgumentException(
                $"{Name}: '{Producer}' runs no epilogue on inputs {string.Join(" and ", inputs[..ProducerInputs].ToArray().Select(t => t.Shape))}.");
        }

        TensorType[] types = FusedElementwiseOp.ProgramTypes(Steps, inputs, null);
        TensorType product = types[0];
        for (int i = ProducerInputs; i < inputs.Length; i++)
        {
            if (inputs[i].DType != product.DType || ReadOf(inputs[i].Shape, product.Shape) is null)
            {
                throw new ArgumentException(
                    $"{Name}: epilogue operand {inputs[i]} is not the product's shape {product}, one value, or (for a 2-D product) a row or a column.");
            }
        }

        if (types[^1] != product)
        {
            throw new ArgumentException($"{Name}: the epilogue turns the product {product} into {types[^1]}; it must keep its type.");
        }

        return product;
    }

    /// <summary>
    /// How an operand of <paramref name="shape"/> is read at each element of a product of <paramref name="product"/>'s
    /// shape, or null when it is none of the fused patterns. Rows and columns only for a 2-D product: the matrix a
    /// producer of another rank hands blocks of (<see cref="IEpilogueProducer.EpilogueMatrix"/>) is not its own axes.
    /// </summary>
    internal static EpilogueRead? ReadOf(Shape shape, Shape product)
    {
        if (shape == product)
        {
            return EpilogueRead.Full;
        }

        if (shape.Rank <= 2 && shape.Size == 1)
        {
            return EpilogueRead.Scalar;
        }

        if (product.Rank != 2)
        {
            return null;
        }

        int m = product[0], n = product[1];

        return shape.ToArray() switch
        {
            [int c] when c == n => EpilogueRead.Row,
            [1, int c] when c == n => EpilogueRead.Row,
            [int r, 1] when r == m => EpilogueRead.Column,
            _ => null,
        };
    }

    /// <summary>
    /// The producer's rule gives the product's dependence on the batch, and each instruction's rule carries it on (an
    /// instruction whose operands are all shared is shared); null as soon as one of them mixes examples.
    /// </summary>
    public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
        FusedElementwiseOp.ProgramBatchRule(Steps, inputs, inputTypes);

    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => RunPrepared(inputs, output);

    /// <summary>The epilogue prepared once for these types; each run binds the operands and calls the producer's kernel with it.</summary>
    public override OpKernel Prepare(ReadOnlySpan<TensorType> inputs, TensorType output)
    {
        var reads = new EpilogueRead[inputs.Length - ProducerInputs + 1];
        reads[0] = EpilogueRead.Product;
        for (int i = ProducerInputs; i < inputs.Length; i++)
        {
            reads[i - ProducerInputs + 1] = ReadOf(inputs[i].Shape, output.Shape)
                ?? throw new ArgumentException($"{Name}: epilogue operand {inputs[i]} does not broadcast to the product {output}.");
        }

        (int m, int n) = ((IEpilogueProducer)Producer).EpilogueMatrix(output.Shape);
        return output.DType == DType.Float32
            ? new Kernel<float>(this, EpilogueLoop<float>.TryCreate(Epilogue, reads, m, n)!)
            : new Kernel<double>(this, EpilogueLoop<double>.TryCreate(Epilogue, reads, m, n)!);
    }

    /// <summary>
    /// The producer's gradient rule after the program's: the producer and the instructions are replayed with their ops
    /// and walked backwards through each op's own rule, so an optimized graph can be differentiated again.
    /// </summary>
    public override Tensor?[] Backward(GradientContext context) => FusedElementwiseOp.ProgramBackward(Steps, context);

    private sealed class Kernel<T>(FusedEpilogueOp op, EpilogueLoop<T> loop) : OpKernel
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Bound once: calling the generic interface method on every run went through the runtime's virtual-method lookup.
        private readonly EpilogueForward<T> forward = ((IEpilogueProducer)op.Producer).Forward<T>;

        public override void Run(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            loop.Bind(inputs[op.ProducerInputs..]);
            forward(inputs[..op.ProducerInputs], output, loop);
        }
    }

    private delegate void EpilogueForward<T>(ReadOnlySpan<Tensor> inputs, Tensor output, IGemmEpilogue<T> epilogue)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;
}
