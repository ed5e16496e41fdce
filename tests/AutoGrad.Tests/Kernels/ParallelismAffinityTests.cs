using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

/// <summary>
/// <see cref="Parallelism.For"/> deals parts by affinity: the caller starts with the first contiguous group of parts and
/// each worker with its own, and a thread that finishes early takes the parts another has not started. These run alone
/// (no other test's region may hold the pool) and only assert thread placement when two threads are allowed.
/// </summary>
[Collection(nameof(SettingsCollection))]
public class ParallelismAffinityTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void For_TwoThreads_CallerRunsTheFirstHalfAndTheWorkerTheSecond()
    {
        // Each thread's first parts (0 and 2) wait for each other to start, and so do the second ones (1 and 3): neither
        // thread can finish its share before the other has claimed its own.
        var body = new GatedBody(4, new()
        {
            [0] = ([2], Finished: false),
            [2] = ([0], Finished: false),
            [1] = ([3], Finished: false),
            [3] = ([1], Finished: false),
        });

        Parallelism.For(4, body, maxThreads: 2);

        Assert.All(body.Calls, calls => Assert.Equal(1, calls));
        int caller = Environment.CurrentManagedThreadId;
        if (Settings.NumThreads >= 2)
        {
            Assert.False(body.TimedOut, "the worker never started its parts");
            Assert.Equal([caller, caller], body.Threads[..2]);
            Assert.All(body.Threads[2..], thread => Assert.NotEqual(caller, thread));
        }
        else
        {
            Assert.All(body.Threads, thread => Assert.Equal(caller, thread));
        }
    }

    [Fact]
    public void For_CallerHeldUp_WorkerTakesTheCallersUnstartedPart()
    {
        // Part 0 (the caller's first) waits until every other part is done, and the worker's own parts wait until part 0
        // has started (so a worker quicker off the mark than the caller cannot take part 0 itself): the worker runs its
        // own two, then the caller's unstarted part 1.
        var body = new GatedBody(4, new()
        {
            [0] = ([1, 2, 3], Finished: true),
            [2] = ([0], Finished: false),
            [3] = ([0], Finished: false),
        });

        Parallelism.For(4, body, maxThreads: 2);

        Assert.All(body.Calls, calls => Assert.Equal(1, calls));
        if (Settings.NumThreads >= 2)
        {
            Assert.False(body.TimedOut, "the worker did not take the caller's second part");
            Assert.Equal(Environment.CurrentManagedThreadId, body.Threads[0]);
            Assert.NotEqual(body.Threads[0], body.Threads[1]);
            Assert.Equal(body.Threads[2], body.Threads[1]);
        }
    }

    /// <summary>A part listed in <c>gates</c> waits until every part of its list has started (or, when Finished, finished),
    /// at most <see cref="Patience"/> and only when two threads are allowed; each part records its thread.</summary>
    private sealed class GatedBody(int count, Dictionary<int, (int[] Parts, bool Finished)> gates) : IParallelBody
    {
        private readonly int[] _started = new int[count];
        private readonly int[] _finished = new int[count];

        public int[] Calls { get; } = new int[count];

        public int[] Threads { get; } = new int[count];

        public bool TimedOut { get; private set; }

        public void Execute(int index)
        {
            Threads[index] = Environment.CurrentManagedThreadId;
            Interlocked.Increment(ref Calls[index]);
            Volatile.Write(ref _started[index], 1);
            if (Settings.NumThreads >= 2 && gates.TryGetValue(index, out var gate))
            {
                int[] flags = gate.Finished ? _finished : _started;
                TimedOut |= !SpinWait.SpinUntil(() => gate.Parts.All(p => Volatile.Read(ref flags[p]) == 1), Patience);
            }

            Volatile.Write(ref _finished[index], 1);
        }
    }
}
