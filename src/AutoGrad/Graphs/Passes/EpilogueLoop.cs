using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.Intrinsics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>How an epilogue operand is read at element (r, c) of the m×n product.</summary>
internal enum EpilogueRead
{
    /// <summary>The product itself (operand <c>x0</c>).</summary>
    Product,

    /// <summary>A tensor of the product's shape: element (r, c).</summary>
    Full,

    /// <summary>A row broadcast over the rows ([n] or [1, n]): element c.</summary>
    Row,

    /// <summary>A column broadcast over the columns ([m, 1]): element r.</summary>
    Column,

    /// <summary>One value ([], [1] or [1, 1]).</summary>
    Scalar,
}

/// <summary>Settings shared by every <see cref="EpilogueLoop{T}"/>.</summary>
internal static class EpilogueLoops
{
    /// <summary>
    /// When false, epilogues prepared afterwards read row operands row by row instead of from a repeated copy (for the
    /// benchmark comparing the two; the results are the same bits).
    /// </summary>
    internal static bool RepeatRowOperands { get; set; } = true;
}

/// <summary>
/// A fused elementwise program run as a GEMM's epilogue (<see cref="IGemmEpilogue{T}"/>): for each row of a finished block
/// of C, each instruction runs its op's lane (<see cref="ILaneOp"/>) over the row's segment, reading the product in place,
/// full-size operands and broadcast rows as slices, and broadcast columns and scalars as one value per row; the last
/// instruction writes back into C. A block of whole rows with no column operand is run as flat segments of whole rows
/// instead (a row operand read from a copy repeated over the segment's rows), so short rows (n = 10) cost no call each.
/// Every element goes through the same lane arithmetic as the fused loop of <see cref="FusedLoop{T}"/> over the whole
/// result, so exact ops give the same bits. Intermediates live in a small stack buffer per call, so blocks may run on
/// several threads at once, and nothing is allocated per product.
/// </summary>
internal sealed class EpilogueLoop<T> : IGemmEpilogue<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    // Segment length: the fused loop's block (512 elements), fewer when many intermediates would not fit in L1 together.
    private const int SegmentLength = 512;
    private const int MaxTempBytes = 16 * 1024;

    private readonly LaneStep<T>[] steps;
    private readonly Operand[] left;
    private readonly Operand[] right;
    private readonly LanePattern[] patterns;
    private readonly int[] slots;
    private readonly EpilogueRead[] reads;
    private readonly Tensor?[] bound;
    private readonly int columns;
    private readonly int segment;
    private readonly int slotCount;
    private readonly bool scalarTail;
    private readonly bool readsByRow;

    // Rows per flat segment when the row operands are kept repeated (see Bind); 0 when they are read row by row.
    private readonly int repeatRows;

    // Per program input: a row operand written out repeatRows times, so a segment of whole rows reads it as one span.
    private readonly T[]?[] repeated;

    private EpilogueLoop(ImmutableArray<FusedInstruction> program, EpilogueRead[] reads, int rows, int columns, LaneStep<T>[] steps)
    {
        this.steps = steps;
        this.reads = reads;
        this.columns = columns;
        bound = new Tensor?[reads.Length];
        readsByRow = reads.Any(r => r is EpilogueRead.Row or EpilogueRead.Column);

        // As the fused loop over the whole result: per element only where the whole output is shorter than a Vector128.
        scalarTail = (long)rows * columns < Vector128<T>.Count;
        left = new Operand[program.Length];
        right = new Operand[program.Length];
        patterns = new LanePattern[program.Length];
        slots = new int[program.Length];
        bool[] oneValue = new bool[program.Length];
        for (int k = 0; k < program.Length; k++)
        {
            var operands = program[k].Operands;
            left[k] = ToOperand(operands[0], oneValue);
            right[k] = operands.Length > 1 ? ToOperand(operands[1], oneValue) : new Operand(Source.None, 0);
            patterns[k] = LanePatterns.Of(left[k].IsOneValue, right[k].IsOneValue, operands.Length);
            oneValue[k] = patterns[k] == LanePattern.OneValue;
            slots[k] = -1;
            if (!oneValue[k] && k < program.Length - 1)
            {
                slots[k] = slotCount++;
            }
        }

        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int vector = Vector<T>.Count;
        int fitting = slotCount == 0 ? SegmentLength : Math.Min(SegmentLength, MaxTempBytes / (slotCount * size));
        segment = Math.Max(vector, fitting / vector * vector);

        // Short rows with a bias-like row operand (n = 10: the classifier's bias) and no column operand: run whole rows
        // as flat segments too, reading the row operand from a copy repeated over the segment's rows, instead of one
        // call per row of 10 (measured: the epilogue cost as much as the 64×128·128×10 product it followed).
        repeated = new T[]?[reads.Length];
        bool columnReads = reads.Any(r => r is EpilogueRead.Column);
        // No more copies than the product has rows: each run rewrites them (XOR's 4×3 product made 170 copies of its
        // bias per run and lost 0.5 µs of its 1.1 µs step to that).
        int rowsPerSegment = Math.Min(rows, segment / Math.Max(1, columns));
        if (EpilogueLoops.RepeatRowOperands && !columnReads && rowsPerSegment >= 2)
        {
            repeatRows = rowsPerSegment;
            for (int j = 0; j < reads.Length; j++)
            {
                repeated[j] = reads[j] == EpilogueRead.Row ? new T[repeatRows * columns] : null;
            }
        }
    }

    private enum Source
    {
        None,
        Temp,
        TempValue,
        Product,
        Full,
        Row,
        Column,
        Scalar,
    }


    /// <summary>
    /// The epilogue for <paramref name="program"/> over an m×n product, or null when one of its ops has no lane.
    /// Operand <c>x0</c> is the product and <c>xN</c> (N ≥ 1) is read as <paramref name="reads"/>[N].
    /// </summary>
    /// <param name="program">The elementwise program.</param>
    /// <param name="reads">How each program input is read; element 0 is <see cref="EpilogueRead.Product"/>.</param>
    /// <param name="rows">m.</param>
    /// <param name="columns">n.</param>
    public static EpilogueLoop<T>? TryCreate(ImmutableArray<FusedInstruction> program, EpilogueRead[] reads, int rows, int columns)
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

        return new EpilogueLoop<T>(program, reads, rows, columns, steps);
    }

    /// <summary>Sets the values of program inputs 1, 2, … for the next product (input 0, the product, is C itself).</summary>
    public void Bind(ReadOnlySpan<Tensor> operands)
    {
        for (int j = 0; j < operands.Length; j++)
        {
            bound[j + 1] = operands[j];
            if (repeated[j + 1] is { } copies)
            {
                // One row, then doubling what is written: a few copies instead of one call per row.
                operands[j].AsSpan<T>()[..columns].CopyTo(copies);
                for (int written = columns; written < copies.Length; written *= 2)
                {
                    copies.AsSpan(0, Math.Min(written, copies.Length - written)).CopyTo(copies.AsSpan(written));
                }
            }
        }
    }

    /// <inheritdoc/>
    // The intermediates are written before they are read, so the stack buffer need not be cleared on every block.
    [System.Runtime.CompilerServices.SkipLocalsInit]
    public void Apply(Span<T> c, int ldc, int row0, int rows, int col0, int cols)
    {
        Span<T> temps = stackalloc T[slotCount * segment];
        Span<T> values = stackalloc T[steps.Length];
        if (!readsByRow && col0 == 0 && cols == columns && ldc == columns)
        {
            // Whole rows of a contiguous C and no operand that depends on the row or column alone: one flat range, cut
            // into segments across rows (a short row costs no call per row).
            int flatEnd = (row0 + rows) * columns;
            for (int start = row0 * columns; start < flatEnd; start += segment)
            {
                RunSegment(c.Slice(start, Math.Min(segment, flatEnd - start)), temps, values, 0, start, 0);
            }

            return;
        }

        if (repeatRows > 0 && col0 == 0 && cols == columns && ldc == columns)
        {
            // Whole short rows with row operands: segments of repeatRows rows, the row operands read from their copies.
            for (int r = row0; r < row0 + rows; r += repeatRows)
            {
                int length = Math.Min(repeatRows, row0 + rows - r) * columns;
                RunSegment(c.Slice(r * columns, length), temps, values, r, r * columns, 0);
            }

            return;
        }

        int end = col0 + cols;
        for (int r = row0; r < row0 + rows; r++)
        {
            for (int start = col0; start < end; start += segment)
            {
                RunSegment(c.Slice((r * ldc) + start, Math.Min(segment, end - start)), temps, values, r, (r * columns) + start, start);
            }
        }
    }

    /// <summary>The program over one segment of C, which holds the product on entry and the result on return.</summary>
    /// <param name="product">The segment of C.</param>
    /// <param name="temps">Segment-sized intermediates.</param>
    /// <param name="values">One-value intermediates.</param>
    /// <param name="row">The segment's row (read by column operands).</param>
    /// <param name="offset">The segment's offset in a full-size operand.</param>
    /// <param name="column">The segment's first column (where a row operand is read).</param>
    private void RunSegment(Span<T> product, Span<T> temps, Span<T> values, int row, int offset, int column)
    {
        int length = product.Length;
        int last = steps.Length - 1;
        for (int k = 0; k <= last; k++)
        {
            LaneStep<T> step = steps[k];
            Span<T> result = k == last ? product : slots[k] >= 0 ? temps.Slice(slots[k] * segment, length) : default;
            switch (patterns[k])
            {
                case LanePattern.Spans:
                    step.Run(Read(left[k], product, temps, offset, column), Read(right[k], product, temps, offset, column), result, scalarTail);
                    break;
                case LanePattern.SpanValue:
                    step.Run(Read(left[k], product, temps, offset, column), Value(right[k], values, row), result, scalarTail);
                    break;
                case LanePattern.ValueSpan:
                    step.Run(Value(left[k], values, row), Read(right[k], product, temps, offset, column), result, scalarTail);
                    break;
                default:
                    values[k] = step.Invoke(Value(left[k], values, row), Value(right[k], values, row));
                    if (k == last)
                    {
                        result.Fill(values[k]);
                    }

                    break;
            }
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
            EpilogueRead.Product => Source.Product,
            EpilogueRead.Full => Source.Full,
            EpilogueRead.Row => Source.Row,
            EpilogueRead.Column => Source.Column,
            _ => Source.Scalar,
        };
        return new(source, operand.Index);
    }

    private ReadOnlySpan<T> Read(Operand operand, Span<T> product, Span<T> temps, int offset, int column) => operand.Source switch
    {
        Source.Product => product,
        Source.Temp => temps.Slice(slots[operand.Index] * segment, product.Length),
        Source.Full => bound[operand.Index]!.AsSpan<T>().Slice(offset, product.Length),
        Source.Row => (repeated[operand.Index] is { } copies ? copies.AsSpan() : bound[operand.Index]!.AsSpan<T>()).Slice(column, product.Length),
        _ => default,
    };

    private T Value(Operand operand, Span<T> values, int row) => operand.Source switch
    {
        Source.TempValue => values[operand.Index],
        Source.Column => bound[operand.Index]!.AsSpan<T>()[row],
        Source.Scalar => bound[operand.Index]!.AsSpan<T>()[0],
        _ => T.Zero,
    };

    /// <summary>Where an instruction's operand comes from in a row segment.</summary>
    private readonly record struct Operand(Source Source, int Index)
    {
        /// <summary>One value for the whole segment (a column's element for the row, a scalar, or a result computed from such).</summary>
        public bool IsOneValue => Source is Source.TempValue or Source.Column or Source.Scalar or Source.None;
    }
}
