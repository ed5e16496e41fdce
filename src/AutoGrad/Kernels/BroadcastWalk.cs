using AutoGrad.Tensors;

namespace AutoGrad.Kernels;

/// <summary>
/// The one broadcast iterator of the kernels. Splits a NumPy-broadcast elementwise operation over two operands into as
/// few contiguous chunks as possible. Each chunk is a run of <see cref="Chunk"/> output elements over which each operand
/// is either a contiguous run (<see cref="AFull"/>/<see cref="BFull"/>) or a single repeated element, so the caller can
/// hand whole chunks to vectorized span kernels (TensorPrimitives) instead of looping element by element. With the output
/// shape as the second operand (<see cref="Of"/>) it walks one broadcast input in output order: a bias row is one full
/// chunk per row, a kept-dims column one repeated element per row, and any other pattern is a mix of both. The cursor can
/// also stop inside a chunk (<see cref="Cursor.Advance"/>, <see cref="Cursor.Read{T}"/>), which is how the fused
/// elementwise kernels read their broadcast inputs block by block.
/// </summary>
internal sealed class BroadcastWalk
{
    private readonly int[] outerDims;
    private readonly int[] outerStrideA;
    private readonly int[] outerStrideB;

    public BroadcastWalk(Shape output, Shape a, Shape b)
    {
        int rank = output.Rank;
        // Per axis (skipping size-1 output axes, which need no iteration): is each operand full or broadcast there?
        var dims = new List<int>(rank);
        var fullA = new List<bool>(rank);
        var fullB = new List<bool>(rank);
        var strideA = new List<int>(rank);
        var strideB = new List<int>(rank);
        int[] sa = Padded(a, rank);
        int[] sb = Padded(b, rank);
        int runA = 1, runB = 1;
        var rawStrideA = new int[rank];
        var rawStrideB = new int[rank];
        for (int i = rank - 1; i >= 0; i--)
        {
            rawStrideA[i] = runA;
            rawStrideB[i] = runB;
            runA *= sa[i];
            runB *= sb[i];
        }

        for (int i = 0; i < rank; i++)
        {
            if (output[i] == 1)
            {
                continue;
            }

            dims.Add(output[i]);
            fullA.Add(sa[i] != 1);
            fullB.Add(sb[i] != 1);
            strideA.Add(sa[i] == 1 ? 0 : rawStrideA[i]);
            strideB.Add(sb[i] == 1 ? 0 : rawStrideB[i]);
        }

        // The inner chunk is the longest suffix of axes where both operands keep the same status.
        int n = dims.Count;
        int split = n;
        Chunk = 1;
        AFull = true;
        BFull = true;
        if (n > 0)
        {
            AFull = fullA[n - 1];
            BFull = fullB[n - 1];
            split = n - 1;
            Chunk = dims[n - 1];
            while (split > 0 && fullA[split - 1] == AFull && fullB[split - 1] == BFull)
            {
                split--;
                Chunk *= dims[split];
            }
        }

        outerDims = dims.GetRange(0, split).ToArray();
        outerStrideA = strideA.GetRange(0, split).ToArray();
        outerStrideB = strideB.GetRange(0, split).ToArray();
        Count = output.Size == 0 ? 0 : output.Size / Math.Max(Chunk, 1);
    }

    /// <summary>The walk of one <paramref name="input"/> broadcast to <paramref name="output"/> (operand A; B is the output itself).</summary>
    public static BroadcastWalk Of(Shape input, Shape output) => new(output, input, output);

    /// <summary>Output elements per chunk.</summary>
    public int Chunk { get; }

    /// <summary>Number of chunks.</summary>
    public int Count { get; }

    /// <summary>True when the first operand is a contiguous run within a chunk (false: one repeated element).</summary>
    public bool AFull { get; }

    /// <summary>True when the second operand is a contiguous run within a chunk.</summary>
    public bool BFull { get; }

    /// <summary>Cursor over the chunks in output order.</summary>
    public Cursor Start() => new(this, new int[outerDims.Length]);

    /// <summary>Cursor over the chunks in output order, counting in <paramref name="scratch"/> (of length
    /// <see cref="OuterRank"/>) so a prepared kernel walks without allocating.</summary>
    public Cursor Start(int[] scratch)
    {
        Array.Clear(scratch);
        return new(this, scratch);
    }

    /// <summary>The number of outer axes the cursor counts over.</summary>
    public int OuterRank => outerDims.Length;

    private static int[] Padded(Shape s, int rank)
    {
        var result = new int[rank];
        int offset = rank - s.Rank;
        for (int i = 0; i < rank; i++)
        {
            result[i] = i < offset ? 1 : s[i - offset];
        }

        return result;
    }

    /// <summary>An odometer over the outer axes giving each chunk's offset in both operands.</summary>
    public struct Cursor
    {
        private readonly BroadcastWalk walk;
        private readonly int[] index;

        internal Cursor(BroadcastWalk walk, int[] index)
        {
            this.walk = walk;
            this.index = index;
            OffsetA = 0;
            OffsetB = 0;
            Within = 0;
        }

        /// <summary>How far into the current chunk the cursor stands (0 unless moved by <see cref="Advance"/> or <see cref="Read{T}"/>).</summary>
        public int Within { get; private set; }

        /// <summary>Elements left in the current chunk.</summary>
        public readonly int LeftInChunk => walk.Chunk - Within;

        /// <summary>Moves <paramref name="count"/> (at most <see cref="LeftInChunk"/>) output elements forward.</summary>
        public void Advance(int count)
        {
            Within += count;
            if (Within == walk.Chunk)
            {
                Within = 0;
                Next();
            }
        }

        /// <summary>
        /// Copies operand A's next <c>destination.Length</c> elements in output order into <paramref name="destination"/>
        /// and moves past them: contiguous runs are copied, repeated elements filled.
        /// </summary>
        public void Read<T>(ReadOnlySpan<T> x, Span<T> destination)
        {
            for (int done = 0; done < destination.Length;)
            {
                int run = Math.Min(LeftInChunk, destination.Length - done);
                if (walk.AFull)
                {
                    x.Slice(OffsetA + Within, run).CopyTo(destination.Slice(done, run));
                }
                else
                {
                    destination.Slice(done, run).Fill(x[OffsetA]);
                }

                done += run;
                Advance(run);
            }
        }

        /// <summary>Offset of the current chunk in the first operand.</summary>
        public int OffsetA { get; private set; }

        /// <summary>Offset of the current chunk in the second operand.</summary>
        public int OffsetB { get; private set; }

        /// <summary>Advances to the next chunk (call after processing the current one).</summary>
        public void Next()
        {
            for (int axis = index.Length - 1; axis >= 0; axis--)
            {
                index[axis]++;
                OffsetA += walk.outerStrideA[axis];
                OffsetB += walk.outerStrideB[axis];
                if (index[axis] < walk.outerDims[axis])
                {
                    return;
                }

                OffsetA -= walk.outerStrideA[axis] * index[axis];
                OffsetB -= walk.outerStrideB[axis] * index[axis];
                index[axis] = 0;
            }
        }
    }
}
