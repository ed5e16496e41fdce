using AutoGrad.Kernels;
using System.Collections.Immutable;
using System.Numerics;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// Runs a fused elementwise program for fixed input and output types, tile by tile. Everything it needs (tile temporaries,
/// argument arrays, broadcast index helpers) is allocated in the constructor, so <see cref="Execute"/> allocates nothing —
/// the compiled executor keeps one per fused node. Because each tile reads its full-size inputs into temporaries before
/// its output slice is written, the output may share a buffer with a full-size input (in-place execution).
/// </summary>
internal sealed class FusedKernel
{
    private const int TileSize = 1024;

    private readonly ImmutableArray<FusedInstruction> program;
    private readonly BroadcastGather[] gathers;
    private readonly TileSet full;
    private readonly TileSet? remainder;
    private readonly int size;

    public FusedKernel(ImmutableArray<FusedInstruction> program, TensorType[] inputTypes, TensorType outputType)
    {
        this.program = program;
        size = outputType.Shape.Size;
        gathers = [.. inputTypes.Select(t => new BroadcastGather(t.Shape, outputType.Shape))];
        bool[] scalarTemp = new bool[program.Length];
        for (int k = 0; k < program.Length; k++)
        {
            scalarTemp[k] = program[k].Operands.All(o => o.IsTemporary ? scalarTemp[o.Index] : gathers[o.Index].Kind == BroadcastGatherKind.Scalar);
        }

        int fullLength = Math.Min(TileSize, size);
        full = new TileSet(program, gathers, scalarTemp, fullLength, outputType.DType);
        int rest = size % TileSize;
        if (size > TileSize && rest != 0)
        {
            remainder = new TileSet(program, gathers, scalarTemp, rest, outputType.DType);
        }
    }

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

    private void Execute<T>(ReadOnlySpan<Tensor> inputs, Tensor output)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        full.BindScalars(inputs);
        remainder?.BindScalars(inputs);
        Span<T> destination = output.AsSpan<T>();
        for (int start = 0; start < size; start += TileSize)
        {
            int length = Math.Min(TileSize, size - start);
            TileSet set = length == full.Length ? full : remainder!;
            for (int j = 0; j < gathers.Length; j++)
            {
                if (gathers[j].Kind != BroadcastGatherKind.Scalar)
                {
                    gathers[j].Read(inputs[j].AsSpan<T>(), start, set.InputTiles[j]!.AsSpan<T>());
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
        public TileSet(ImmutableArray<FusedInstruction> program, BroadcastGather[] gathers, bool[] scalarTemp, int length, DType dtype)
        {
            Length = length;
            InputTiles = [.. gathers.Select(g => g.Kind == BroadcastGatherKind.Scalar ? null : new Tensor(new Shape(length), dtype))];
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
