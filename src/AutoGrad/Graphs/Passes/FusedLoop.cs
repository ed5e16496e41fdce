using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.Intrinsics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// A fused elementwise program run as one loop: the output is walked in blocks of a few hundred elements, and for each
/// block every instruction runs its op's lane (<see cref="ILaneOp"/>) over <see cref="Vector{T}"/> registers, reading
/// its operands straight from the inputs or from the block-sized results of earlier instructions (which stay in L1), and
/// the last instruction stores straight into the output. Broadcast inputs are read in place: a same-size input is a
/// slice, a one-element input a repeated register, and a broadcast row (a bias over the leading axes) or kept-dims column
/// is cut into blocks that never cross its chunks, so within a block it is a slice or one repeated value. Patterns whose
/// chunks are too short for that (a row of three) are copied into a block buffer by the same broadcast walk.
/// Everything is allocated in the constructor, so <see cref="Execute"/> allocates nothing.
/// </summary>
internal sealed class FusedLoop<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Elements per block: large enough that the per-instruction call is amortized, small enough that every
    /// intermediate block stays in L1 (measured in FusedKernelBenchmarks against 64 and 2048).</summary>
    public const int DefaultBlockSize = 512;

    // A broadcast chunk shorter than this is gathered rather than read in place, so blocks stay a few vectors long.
    private const int MinimumInPlaceRun = 64;

    private readonly LaneStep<T>[] steps;
    private readonly Operand[] left;
    private readonly Operand[] right;
    private readonly LanePattern[] patterns;
    private readonly T[]?[] temps;
    private readonly T[] scalars;
    private readonly InputRead[] reads;
    private readonly BroadcastWalk?[] walks;
    private readonly int[]?[] cursorScratch;
    private readonly BroadcastWalk.Cursor[] cursors;
    private readonly T[]?[] gathered;
    private readonly int[] inPlaceWalks;
    private readonly int[] gatheredWalks;
    private readonly int size;
    private readonly int blockSize;
    private readonly bool scalarTail;

    private FusedLoop(ImmutableArray<FusedInstruction> program, TensorType[] inputTypes, TensorType outputType, LaneStep<T>[] steps, int blockSize)
    {
        this.steps = steps;
        size = outputType.Shape.Size;
        this.blockSize = Math.Max(1, Math.Min(blockSize, size));

        // TensorPrimitives loops per element only over a whole span shorter than a Vector128; match it there.
        scalarTail = size < Vector128<T>.Count;
        reads = new InputRead[inputTypes.Length];
        walks = new BroadcastWalk?[inputTypes.Length];
        cursorScratch = new int[]?[inputTypes.Length];
        cursors = new BroadcastWalk.Cursor[inputTypes.Length];
        gathered = new T[]?[inputTypes.Length];
        var inPlace = new List<int>();
        var gather = new List<int>();
        for (int j = 0; j < inputTypes.Length; j++)
        {
            int inputSize = inputTypes[j].Shape.Size;
            if (inputSize == size)
            {
                reads[j] = InputRead.Full;
                continue;
            }

            if (inputSize == 1)
            {
                reads[j] = InputRead.Scalar;
                continue;
            }

            var walk = BroadcastWalk.Of(inputTypes[j].Shape, outputType.Shape);
            walks[j] = walk;
            cursorScratch[j] = new int[walk.OuterRank];
            if (walk.Chunk >= MinimumInPlaceRun)
            {
                reads[j] = walk.AFull ? InputRead.Run : InputRead.Repeated;
                inPlace.Add(j);
            }
            else
            {
                reads[j] = InputRead.Gathered;
                gathered[j] = new T[this.blockSize];
                gather.Add(j);
            }
        }

        inPlaceWalks = [.. inPlace];
        gatheredWalks = [.. gather];
        left = new Operand[program.Length];
        right = new Operand[program.Length];
        patterns = new LanePattern[program.Length];
        temps = new T[]?[program.Length];
        scalars = new T[program.Length];
        bool[] oneValue = new bool[program.Length];
        for (int k = 0; k < program.Length; k++)
        {
            var operands = program[k].Operands;
            left[k] = ToOperand(operands[0], oneValue);
            right[k] = operands.Length > 1 ? ToOperand(operands[1], oneValue) : new Operand(Source.None, 0);
            patterns[k] = LanePatterns.Of(left[k].IsOneValue, right[k].IsOneValue, operands.Length);
            oneValue[k] = patterns[k] == LanePattern.OneValue;
            if (!oneValue[k] && k < program.Length - 1)
            {
                temps[k] = new T[this.blockSize];
            }
        }
    }

    private enum InputRead
    {
        Full,
        Scalar,
        Run,
        Repeated,
        Gathered,
    }

    private enum Source
    {
        None,
        Temp,
        TempValue,
        Full,
        Scalar,
        Run,
        Repeated,
        Gathered,
    }


    /// <summary>The loop for <paramref name="program"/>, or null when one of its ops has no lane.</summary>
    public static FusedLoop<T>? TryCreate(ImmutableArray<FusedInstruction> program, TensorType[] inputTypes, TensorType outputType, int blockSize = DefaultBlockSize)
    {
        var steps = new LaneStep<T>[program.Length];
        for (int k = 0; k < program.Length; k++)
        {
            if (program[k].Op is not ILaneOp laneOp)
            {
                return null;
            }

            steps[k] = laneOp.CreateLaneStep<T>();
        }

        return new FusedLoop<T>(program, inputTypes, outputType, steps, blockSize);
    }

    public void Execute(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        Span<T> destination = output.AsSpan<T>();
        for (int j = 0; j < walks.Length; j++)
        {
            if (walks[j] is { } walk)
            {
                cursors[j] = walk.Start(cursorScratch[j]!);
            }
        }

        int last = steps.Length - 1;
        for (int start = 0; start < size;)
        {
            int length = Math.Min(blockSize, size - start);
            foreach (int j in inPlaceWalks)
            {
                length = Math.Min(length, cursors[j].LeftInChunk);
            }

            foreach (int j in gatheredWalks)
            {
                cursors[j].Read(inputs[j].AsSpan<T>(), gathered[j].AsSpan(0, length));
            }

            for (int k = 0; k <= last; k++)
            {
                LaneStep<T> step = steps[k];
                Span<T> result = k == last ? destination.Slice(start, length) : temps[k] is { } temp ? temp.AsSpan(0, length) : default;
                switch (patterns[k])
                {
                    case LanePattern.Spans:
                        step.Run(Read(left[k], inputs, start, length), Read(right[k], inputs, start, length), result, scalarTail);
                        break;
                    case LanePattern.SpanValue:
                        step.Run(Read(left[k], inputs, start, length), Value(right[k], inputs), result, scalarTail);
                        break;
                    case LanePattern.ValueSpan:
                        step.Run(Value(left[k], inputs), Read(right[k], inputs, start, length), result, scalarTail);
                        break;
                    default:
                        scalars[k] = step.Invoke(Value(left[k], inputs), Value(right[k], inputs));
                        if (k == last)
                        {
                            result.Fill(scalars[k]);
                        }

                        break;
                }
            }

            foreach (int j in inPlaceWalks)
            {
                cursors[j].Advance(length);
            }

            start += length;
        }
    }

    private Operand ToOperand(FusedOperand operand, bool[] oneValue)
    {
        if (operand.IsTemporary)
        {
            return new(oneValue[operand.Index] ? Source.TempValue : Source.Temp, operand.Index);
        }

        Source source = reads[operand.Index] switch
        {
            InputRead.Full => Source.Full,
            InputRead.Scalar => Source.Scalar,
            InputRead.Run => Source.Run,
            InputRead.Repeated => Source.Repeated,
            _ => Source.Gathered,
        };
        return new(source, operand.Index);
    }

    private ReadOnlySpan<T> Read(Operand operand, ReadOnlySpan<Tensor> inputs, int start, int length) => operand.Source switch
    {
        Source.Temp => temps[operand.Index].AsSpan(0, length),
        Source.Full => inputs[operand.Index].AsSpan<T>().Slice(start, length),
        Source.Run => inputs[operand.Index].AsSpan<T>().Slice(cursors[operand.Index].OffsetA + cursors[operand.Index].Within, length),
        Source.Gathered => gathered[operand.Index].AsSpan(0, length),
        _ => default,
    };

    private T Value(Operand operand, ReadOnlySpan<Tensor> inputs) => operand.Source switch
    {
        Source.TempValue => scalars[operand.Index],
        Source.Scalar => inputs[operand.Index].AsSpan<T>()[0],
        Source.Repeated => inputs[operand.Index].AsSpan<T>()[cursors[operand.Index].OffsetA],
        _ => T.Zero,
    };

    /// <summary>Where an instruction's operand comes from in a block.</summary>
    private readonly record struct Operand(Source Source, int Index)
    {
        /// <summary>One value for the whole block (a scalar input, a repeated broadcast element, or a result computed from such).</summary>
        public bool IsOneValue => Source is Source.TempValue or Source.Scalar or Source.Repeated or Source.None;
    }
}
