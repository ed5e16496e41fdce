using AutoGrad.Graphs.Passes;
using CsCheck;

namespace AutoGrad.Tests.Graphs.Passes;

public class ArenaAllocatorTests
{
    // Sizes from empty to a few KB (most not multiples of 64), intervals of up to 16 steps over 40 steps.
    private static readonly Gen<LiveBlock[]> BlockSets =
        Gen.Select(Gen.Long[0, 5000], Gen.Int[0, 40], Gen.Int[0, 15], (bytes, start, length) => new LiveBlock(bytes, start, start + length))
            .Array[0, 60];

    [Fact]
    public void Place_RandomIntervals_NoTwoLiveBlocksShareAByteAndEveryBlockFits()
    {
        BlockSets.Sample(blocks =>
        {
            var (offsets, size) = ArenaAllocator.Place(blocks);
            for (int i = 0; i < blocks.Length; i++)
            {
                Assert.True(offsets[i] >= 0 && offsets[i] % ArenaAllocator.Alignment == 0, $"block {i} at {offsets[i]}");
                Assert.True(offsets[i] + blocks[i].Bytes <= size, $"block {i} ({blocks[i].Bytes} bytes at {offsets[i]}) past the arena end {size}");
                for (int j = 0; j < i; j++)
                {
                    if (blocks[i].Bytes > 0 && blocks[j].Bytes > 0 && blocks[i].Overlaps(blocks[j]))
                    {
                        bool disjoint = offsets[i] + blocks[i].Bytes <= offsets[j] || offsets[j] + blocks[j].Bytes <= offsets[i];
                        Assert.True(disjoint, $"blocks {j} and {i} are live together and share bytes");
                    }
                }
            }

            // Never below the bytes live at the busiest step, never above one aligned slot per block.
            long busiest = Enumerable.Range(0, 56).Select(step => blocks.Where(b => b.Start <= step && step <= b.End).Sum(b => b.Bytes)).Max();
            Assert.InRange(size, busiest, blocks.Sum(b => ArenaAllocator.Align(b.Bytes)));
        }, iter: 400);
    }

    [Fact]
    public void Place_TwoGapsFit_TakesTheSmallerGapNotTheLowerOne()
    {
        // A, C die at step 1; B lives on. D and F are placed before E (larger, then earlier); E, live from step 2, sees
        // D at [0,128), B at [512,768) and F at [960,1024): gaps of 384 bytes at 128 and 192 bytes at 768.
        LiveBlock[] blocks =
        [
            new(512, 0, 1), // A
            new(256, 0, 9), // B
            new(192, 0, 1), // C
            new(128, 2, 9), // D
            new(64, 2, 9),  // E
            new(64, 0, 9),  // F
        ];
        var (offsets, size) = ArenaAllocator.Place(blocks);
        Assert.Equal([0L, 512, 768, 0, 768, 960], offsets);
        Assert.Equal(1024, size);
    }

    [Fact]
    public void Place_SizesRoundUpToTheAlignment()
    {
        var (offsets, size) = ArenaAllocator.Place([new LiveBlock(4, 0, 1), new LiveBlock(4, 1, 2), new LiveBlock(0, 0, 2)]);
        Assert.Equal([0L, 64, 0], offsets);
        Assert.Equal(128, size);
    }
}
