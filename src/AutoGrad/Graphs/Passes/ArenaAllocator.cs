namespace AutoGrad.Graphs.Passes;

/// <summary>One block to place in an arena: its size in bytes and the steps it is live in (both inclusive).</summary>
internal readonly record struct LiveBlock(long Bytes, int Start, int End)
{
    /// <summary>Whether the two blocks are live at a common step, so they may not share bytes.</summary>
    public bool Overlaps(LiveBlock other) => Start <= other.End && other.Start <= End;
}

/// <summary>
/// Places blocks with known live intervals at byte offsets in one arena so that no two blocks live at the same step
/// share a byte: the greedy-by-size best-fit strategy of TFLite's and XLA's offset planners. Blocks are taken largest
/// first (ties by start, then index, so the layout is deterministic); each goes into the smallest gap, between blocks
/// already placed whose intervals intersect its own, that holds it, or above them all when none does.
/// </summary>
internal static class ArenaAllocator
{
    /// <summary>Offsets are multiples of this many bytes (a cache line; every AVX-512 vector load stays in one).</summary>
    public const int Alignment = 64;

    /// <summary>Rounds a size up to the alignment.</summary>
    public static long Align(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;

    /// <summary>The offset of each block and the arena size (the highest end of any aligned block).</summary>
    public static (long[] Offsets, long Size) Place(IReadOnlyList<LiveBlock> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var offsets = new long[blocks.Count];
        int[] order = [.. Enumerable.Range(0, blocks.Count)
            .OrderByDescending(i => blocks[i].Bytes).ThenBy(i => blocks[i].Start).ThenBy(i => i)];
        var placed = new List<int>(blocks.Count);
        var neighbours = new List<(long Offset, long End)>();
        long size = 0;
        foreach (int b in order)
        {
            LiveBlock block = blocks[b];
            long bytes = Align(block.Bytes);
            if (bytes == 0)
            {
                continue;
            }

            neighbours.Clear();
            foreach (int p in placed)
            {
                if (blocks[p].Overlaps(block))
                {
                    neighbours.Add((offsets[p], offsets[p] + Align(blocks[p].Bytes)));
                }
            }

            neighbours.Sort();
            long best = -1, bestGap = long.MaxValue, top = 0;
            foreach (var (offset, end) in neighbours)
            {
                long gap = offset - top;
                if (gap >= bytes && gap < bestGap)
                {
                    (best, bestGap) = (top, gap);
                }

                top = Math.Max(top, end);
            }

            offsets[b] = best >= 0 ? best : top;
            size = Math.Max(size, offsets[b] + bytes);
            placed.Add(b);
        }

        return (offsets, size);
    }
}
