using System.Collections.Immutable;
using AutoGrad.Differentiation;
using AutoGrad.Ops;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>An operand of a fused instruction: external input <c>xN</c> of the fused node, or the result <c>tN</c> of an earlier instruction.</summary>
/// <param name="IsTemporary">True for an earlier instruction's result.</param>
/// <param name="Index">The input or instruction index.</param>
internal readonly record struct FusedOperand(bool IsTemporary, int Index)
{
    /// <summary><c>x0</c> or <c>t1</c>.</summary>
    public override string ToString() => (IsTemporary ? "t" : "x") + Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One step of a fused kernel: an elementwise op applied to operands.</summary>
/// <param name="Op">A unary or binary elementwise op.</param>
/// <param name="Operands">Its operands.</param>
internal sealed record FusedInstruction(Op Op, ImmutableArray<FusedOperand> Operands)
{
    /// <summary><c>add x0 t1</c>.</summary>
    public override string ToString() => Op + " " + string.Join(" ", Operands);
}

/// <summary>
/// A chain of elementwise ops run as one kernel (<see cref="FusedKernel"/>), so the chain makes one pass over memory
/// instead of one per op. When every op declares a lane (<see cref="ILaneOp"/>) the program runs as one loop over vector
/// registers, block by block, with intermediates in L1-sized blocks; results equal the unfused ops bit for bit for
/// exact ops, and to the documented ulp-level bound for exp, log, sigmoid and tanh. Otherwise each instruction runs its
/// op's own span kernel over tiles of about a thousand elements, which equals the unfused ops exactly. Produced by
/// <see cref="ElementwiseFusion"/>; its gradient is the program's, through each instruction's own rule.
/// </summary>
internal sealed class FusedElementwiseOp : Op
{
    public FusedElementwiseOp(ImmutableArray<FusedInstruction> program) => Program = program;

    public ImmutableArray<FusedInstruction> Program { get; }

    public override string Name => "fused_elementwise";

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
        [new("program", "{" + string.Join("; ", Program) + "}")];

    public override SavedValues Saves => SavedValues.AllInputs;

    protected internal override bool ForwardWritesEveryElement => true;

    /// <summary>Every instruction's own cost; memory is touched once, for the external inputs and the output.</summary>
    public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output)
    {
        return new(ProgramFlops(Program, inputs), DefaultBytes(inputs, output));
    }

    public static bool IsFusable(Op op, int inputCount) =>
        (op is UnaryElementwiseOp && inputCount == 1) || (op is BinaryElementwiseOp && inputCount == 2);

    public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => ProgramTypes(Program, inputs, null)[^1];

    /// <summary>Each instruction's result type in <paramref name="program"/> over the node's inputs, inferred by its op from
    /// its operands' types; <paramref name="visit"/> sees every instruction with its operand and result types. Shared with
    /// <see cref="FusedEpilogueOp"/>.</summary>
    internal static TensorType[] ProgramTypes(ImmutableArray<FusedInstruction> program, ReadOnlySpan<TensorType> inputs,
        Action<Op, TensorType[], TensorType>? visit)
    {
        var temps = new TensorType[program.Length];
        for (int k = 0; k < program.Length; k++)
        {
            var instruction = program[k];
            var types = new TensorType[instruction.Operands.Length];
            for (int j = 0; j < types.Length; j++)
            {
                FusedOperand operand = instruction.Operands[j];
                types[j] = operand.IsTemporary ? temps[operand.Index] : inputs[operand.Index];
            }

            temps[k] = instruction.Op.InferType(types);
            visit?.Invoke(instruction.Op, types, temps[k]);
        }

        return temps;
    }

    /// <summary>The sum of every instruction's own flops (memory is touched once, for the inputs and the output).</summary>
    internal static long ProgramFlops(ImmutableArray<FusedInstruction> program, ReadOnlySpan<TensorType> inputs)
    {
        long flops = 0;
        ProgramTypes(program, inputs, (op, operands, result) => flops += op.Cost(operands, result).Flops);
        return flops;
    }

    /// <summary>
    /// A program's batching rule: each instruction's own rule carries the inputs' dependences on (an instruction whose
    /// operands are all shared is shared); null as soon as one of them mixes examples.
    /// </summary>
    internal static BatchDependence? ProgramBatchRule(ImmutableArray<FusedInstruction> program, ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes)
    {
        TensorType[] types = ProgramTypes(program, inputTypes, null);
        var dependences = new BatchDependence[program.Length];
        for (int k = 0; k < program.Length; k++)
        {
            var operands = program[k].Operands;
            var operandDependences = new BatchDependence[operands.Length];
            var operandTypes = new TensorType[operands.Length];
            bool shared = true;
            for (int j = 0; j < operands.Length; j++)
            {
                FusedOperand o = operands[j];
                operandDependences[j] = o.IsTemporary ? dependences[o.Index] : inputs[o.Index];
                operandTypes[j] = o.IsTemporary ? types[o.Index] : inputTypes[o.Index];
                shared &= operandDependences[j].Role == BatchRole.Shared;
            }

            if (shared)
            {
                dependences[k] = BatchDependence.Shared;
                continue;
            }

            if (program[k].Op.BatchRule(operandDependences, operandTypes, types[k]) is not { } rule)
            {
                return null;
            }

            dependences[k] = rule;
        }

        return dependences[^1];
    }

    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) =>
        new FusedKernel(Program, TypesOf(inputs), output.Type).Execute(inputs, output);

    /// <summary>
    /// Makes kernels prepared while it is set run tile by tile even where the vector loop could (a same-run baseline for
    /// the benchmarks; nothing else sets it).
    /// </summary>
    internal static bool PrepareTiles { get; set; }

    /// <summary>The fused kernel, with its blocks or tiles and broadcast walks allocated once.</summary>
    public override OpKernel Prepare(ReadOnlySpan<TensorType> inputs, TensorType output) =>
        new Kernel(new FusedKernel(Program, inputs.ToArray(), output, tiles: PrepareTiles));

    /// <summary>
    /// The program's derivative: the instructions are replayed with their ops and walked backwards through each op's own
    /// gradient rule (a small reverse walk over the program), so an optimized graph can be differentiated again. With
    /// gradient recording on (higher order) the replay reads the saved inputs themselves and stays connected to them.
    /// </summary>
    public override Tensor?[] Backward(GradientContext context) => ProgramBackward(Program, context);

    /// <summary>
    /// The derivative of a program over the node's inputs (<c>xN</c> is input N): the instructions are replayed with their
    /// ops and walked backwards through each op's own rule. Shared with <see cref="FusedEpilogueOp"/>, whose program starts
    /// with its producer.
    /// </summary>
    internal static Tensor?[] ProgramBackward(ImmutableArray<FusedInstruction> program, GradientContext context)
    {
        bool higherOrder = GradMode.IsEnabled;
        var inputs = new Tensor[context.InputCount];
        for (int i = 0; i < inputs.Length; i++)
        {
            Tensor saved = context.Input(i);
            inputs[i] = higherOrder ? saved : saved.Detach().RequireGrad(context.NeedsGrad(i));
        }

        var temps = new Tensor[program.Length];
        Tensor Operand(FusedOperand o) => o.IsTemporary ? temps[o.Index] : inputs[o.Index];
        using (Autodiff.EnableGrad())
        {
            for (int k = 0; k < program.Length; k++)
            {
                temps[k] = program[k].Op.Apply([.. program[k].Operands.Select(Operand)]);
            }
        }

        var tempGrads = new Tensor?[program.Length];
        var inputGrads = new Tensor?[inputs.Length];
        tempGrads[^1] = context.OutputGrad;
        for (int k = program.Length - 1; k >= 0; k--)
        {
            if (tempGrads[k] is not { } g || temps[k].GradFn is not { } node)
            {
                continue;
            }

            Tensor?[] rule = node.Op.Backward(new GradientContext(node, g));
            for (int j = 0; j < rule.Length; j++)
            {
                FusedOperand operand = program[k].Operands[j];
                Tensor source = Operand(operand);
                if (rule[j] is not { } gj || !source.RequiresGrad)
                {
                    continue;
                }

                if (gj.Shape != source.Shape)
                {
                    gj = gj.SumTo(source.Shape);
                }

                ref Tensor? slot = ref operand.IsTemporary ? ref tempGrads[operand.Index] : ref inputGrads[operand.Index];
                slot = slot is null ? gj : slot.Add(gj);
            }
        }

        return inputGrads;
    }

    private sealed class Kernel(FusedKernel kernel) : OpKernel
    {
        public override void Run(ReadOnlySpan<Tensor> inputs, Tensor output) => kernel.Execute(inputs, output);
    }
}
