namespace AutoGrad.Tests;

/// <summary>What a repeated call allocates once it is warm: the check behind every "allocates nothing per step" test.</summary>
internal static class Allocations
{
    /// <summary>
    /// Runs <paramref name="run"/> <paramref name="warmUp"/> times (plans, caches and per-thread buffers are built then),
    /// then <paramref name="runs"/> times, and returns the managed bytes those measured runs allocated on this thread.
    /// </summary>
    public static long AfterWarmUp(Action run, int warmUp = 3, int runs = 10)
    {
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
