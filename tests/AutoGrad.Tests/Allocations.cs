using AutoGrad.Kernels;

namespace AutoGrad.Tests;

/// <summary>What a repeated call allocates once it is warm: the check behind every "allocates nothing per step" test.</summary>
internal static class Allocations
{
    /// <summary>
    /// Runs <paramref name="run"/> once with every parallel region's parts on this thread, then <paramref name="warmUp"/>
    /// times as usual (plans, caches and per-thread buffers are built then), then <paramref name="runs"/> times, and
    /// returns the managed bytes those measured runs allocated on this thread.
    /// </summary>
    /// <remarks>
    /// Which parts of a parallel region the calling thread runs depends on when the pool's workers come free (other tests
    /// keep them busy), so without the first run a part could reach this thread for the first time, and grow its
    /// per-thread buffers, only while it is measured.
    /// </remarks>
    public static long AfterWarmUp(Action run, int warmUp = 3, int runs = 10)
    {
        Parallelism.SerialOnThisThread = true;
        try
        {
            run();
        }
        finally
        {
            Parallelism.SerialOnThisThread = false;
        }

        for (int i = 0; i < warmUp; i++)
        {
            run();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < runs; i++)
        {
            run();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
