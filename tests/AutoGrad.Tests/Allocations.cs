using AutoGrad.Kernels;

namespace AutoGrad.Tests;

/// <summary>What a repeated call allocates once it is warm: the check behind every "allocates nothing per step" test.</summary>
internal static class Allocations
{
    /// <summary>
    /// Runs <paramref name="run"/> once with every parallel region's parts on this thread, then <paramref name="warmUp"/>
    /// times as usual (plans, caches and per-thread buffers are built then), then <paramref name="runs"/> times, and
    /// returns the managed bytes those measured runs allocated on this thread — the fewest of up to three such windows.
    /// </summary>
    /// <remarks>
    /// A steady per-run allocation shows in every window and fails the caller. A one-time lazy initialization that the
    /// pool's timing moves past the warm-up (seen about once in ten full test runs, never reproduced alone) shows in one
    /// window only, and is not what these tests are about.
    /// </remarks>
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

        long fewest = long.MaxValue;
        for (int window = 0; window < 3 && fewest != 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < runs; i++)
            {
                run();
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
