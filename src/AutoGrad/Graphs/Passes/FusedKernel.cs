using AutoGrad.Kernels;
using System.Collections.Immutable;
using System.Numerics;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// Runs a fused elementwise program for fixed input and output types. When every instruction's op has a lane
/// (<see cref="Ops.Elementwise.ILaneOp"/>) the program runs as one loop over vector registers (<see cref="FusedLoop{T}"/>);
/// otherwise it runs tile by tile, each instruction calling its op's own span kernel on tile temporaries, with broadcast
/// inputs copied into tiles by the broadcast walk. Everything either path needs is allocated in the constructor, so
/// <see cref="Execute"/> allocates nothing — the compiled executor keeps one per fused node. Both paths read every input
/// element of a position before writing that position, so the output may share a buffer with a full-size input.
/// </summary>
internal sealed class FusedKernel
{
    private const int TileSize = 1024;

    private readonly ImmutableArray<FusedInstruction> program;
    private readonly object? loop;
    private readonly int[] inputSizes;
    private readonly BroadcastWalk?[] walks;
    private readonly int[]?[] cursorScratch;
    private readonly BroadcastWalk.Cursor[] cursors;
    private readonly TileSet full = null!;
    private readonly TileSet? remainder;
    private readonly int size;

    /// <summary>Prepares the program for these types.</summary>
    /// <param name="program">The fused program.</param>
    /// <param name="inputTypes">The fused node's input types.</param>
    /// <param name="outputType">Its output type.</param>
    /// <param name="tiles">Run tile by tile even where the loop could (the benchmarks' baseline and the tests' reference).</param>
    /// <param name="blockSize">The loop's block length in elements.</param>
    public FusedKernel(ImmutableArray<FusedInstruction> program, TensorType[] inputTypes, TensorType outputType, bool tiles = false, int blockSize = FusedLoop<float>.DefaultBlockSize)
    {
        this.program = program;
        size = outputType.Shape.Size;
        inputSizes = [.. inputTypes.Select(t => t.Shape.Size)];
        walks = new BroadcastWalk?[inputTypes.Length];
        cursorScratch = new int[]?[inputTypes.Length];
        cursors = new BroadcastWalk.Cursor[inputTypes.Length];
        if (!tiles)
        {
            loop = outputType.DType == DType.Float32
                ? FusedLoop<float>.TryCreate(program, inputTypes, outputType, blockSize)
                : FusedLoop<double>.TryCreate(program, inputTypes, outputType, blockSize);
            if (loop is not null)
            {
                return;
            }
        }

        for (int j = 0; j < inputTypes.Length; j++)
        {
            if (inputSizes[j] != size && inputSizes[j] != 1)
            {
                walks[j] = BroadcastWalk.Of(inputTypes[j].Shape, outputType.Shape);
                cursorScratch[j] = new int[walks[j]!.OuterRank];
            }
        }

        bool[] scalarTemp = new bool[program.Length];
        for (int k = 0; k < program.Length; k++)
        {
            scalarTemp[k] = program[k].Operands.All(o => o.IsTemporary ? scalarTemp[o.Index] : IsScalar(o.Index));
        }

        int fullLength = Math.Min(TileSize, size);
        full = new TileSet(program, inputTypes.Select((_, j) => IsScalar(j)).ToArray(), scalarTemp, fullLength, outputType.DType);
        int rest = size % TileSize;
        if (size > TileSize && rest != 0)
        {
            remainder = new TileSet(program, inputTypes.Select((_, j) => IsScalar(j)).ToArray(), scalarTemp, rest, outputType.DType);
        }
    }

    /// <summary>True when the program runs as one vector loop rather than tile by tile.</summary>
    public bool IsLoop => loop is not null;

    public void Execute(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        if (output.DType == DType.Float32)
        {
            Execute<float>(inputs, output);
        }
        else
        {
            Execute<double>(inputs, output);
        }
    }

    // A one-element input is repeated by every kernel itself, unless the output has one element too.
    private bool IsScalar(int input) => inputSizes[input] == 1 && size != 1;

    private void Execute<T>(ReadOnlySpan<Tensor> inputs, Tensor output)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (loop is not null)
        {
            ((FusedLoop<T>)loop).Execute(inputs, output);
            return;
        }

        full.BindScalars(inputs);
        remainder?.BindScalars(inputs);
        for (int j = 0; j < walks.Length; j++)
        {
            if (walks[j] is { } walk)
            {
                cursors[j] = walk.Start(cursorScratch[j]!);
            }
        }

        Span<T> destination = output.AsSpan<T>();
        for (int start = 0; start < size; start += TileSize)
        {
            int length = Math.Min(TileSize, size - start);
            TileSet set = length == full.Length ? full : remainder!;
            for (int j = 0; j < inputSizes.Length; j++)
            {
                if (set.InputTiles[j] is { } tile)
                {
                    ReadOnlySpan<T> x = inputs[j].AsSpan<T>();
                    if (walks[j] is null)
                    {
                        x.Slice(start, length).CopyTo(tile.AsSpan<T>());
                    }
                    else
                    {
                        cursors[j].Read(x, tile.AsSpan<T>());
                    }
                }
            }

            for (int k = 0; k < program.Length; k++)
            {
                program[k].Op.Forward(set.Arguments[k], set.Temporaries[k]);
            }

            ReadOnlySpan<T> result = set.Temporaries[^1].AsSpan<T>();
            if (result.Length == length)
            {
                result.CopyTo(destination.Slice(start, length));
            }
            else
            {
                destination.Slice(start, length).Fill(result[0]);
            }
        }
    }

    /// <summary>The tile temporaries for one tile length, and each instruction's argument array pointing into them.</summary>
    private sealed class TileSet
    {
        public TileSet(ImmutableArray<FusedInstruction> program, bool[] scalarInput, bool[] scalarTemp, int length, DType dtype)
        {
            Length = length;
            InputTiles = [.. scalarInput.Select(s => s ? null : new Tensor(new Shape(length), dtype))];
            Temporaries = [.. scalarTemp.Select(s => new Tensor(new Shape(s ? 1 : length), dtype))];
            Arguments = new Tensor[program.Length][];
            var bindings = new List<(int, int, int)>();
            for (int k = 0; k < program.Length; k++)
            {
                var operands = program[k].Operands;
                Arguments[k] = new Tensor[operands.Length];
                for (int j = 0; j < operands.Length; j++)
                {
                    // Scalar inputs are bound per call (BindScalars); everything else is a fixed temporary.
                    FusedOperand operand = operands[j];
                    if (!operand.IsTemporary && InputTiles[operand.Index] is null)
                    {
                        bindings.Add((k, j, operand.Index));
                    }
                    else
                    {
                        Arguments[k][j] = operand.IsTemporary ? Temporaries[operand.Index] : InputTiles[operand.Index]!;
                    }
                }
            }

            scalarBindings = [.. bindings];
        }

        private readonly (int Instruction, int Operand, int Input)[] scalarBindings;

        public int Length { get; }

        public Tensor?[] InputTiles { get; }

        public Tensor[] Temporaries { get; }

        public Tensor[][] Arguments { get; }

        public void BindScalars(ReadOnlySpan<Tensor> inputs)
        {
            foreach (var (k, j, input) in scalarBindings)
            {
                Arguments[k][j] = inputs[input];
            }
        }
    }
}
