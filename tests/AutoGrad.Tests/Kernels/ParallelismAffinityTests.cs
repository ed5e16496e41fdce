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
        var body = new PairedBody(4, pairs: [(0, 2), (1, 3)]);

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
        var body = new GatedBody(4, waitingParts: [0], awaitedParts: [1, 2, 3], awaitFinished: true, startGate: 0, gatedParts: [2, 3]);

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

    /// <summary>Each part of a pair waits (up to <see cref="Patience"/>, and only when two threads are allowed) until the
    /// other has started; each part records its thread.</summary>
    private sealed class PairedBody(int count, (int First, int Second)[] pairs) : IParallelBody
    {
        private readonly int[] _started = new int[count];

        public int[] Calls { get; } = new int[count];

        public int[] Threads { get; } = new int[count];

        public bool TimedOut { get; private set; }

        public void Execute(int index)
        {
            Threads[index] = Environment.CurrentManagedThreadId;
            Interlocked.Increment(ref Calls[index]);
            Volatile.Write(ref _started[index], 1);
            if (Settings.NumThreads < 2)
            {
                return;
            }

            foreach ((int first, int second) in pairs)
            {
                int other = index == first ? second : index == second ? first : -1;
                if (other >= 0)
                {
                    TimedOut |= !SpinWait.SpinUntil(() => Volatile.Read(ref _started[other]) == 1, Patience);
                }
            }
        }
    }

    /// <summary>Parts in <c>gatedParts</c> first wait until part <c>startGate</c> has started; parts in <c>waitingParts</c>
    /// wait until every part in <c>awaitedParts</c> has started (or finished). Each wait lasts at most
    /// <see cref="Patience"/> and only when two threads are allowed; each part records its thread.</summary>
    private sealed class GatedBody(int count, int[] waitingParts, int[] awaitedParts, bool awaitFinished = false, int startGate = -1,
        int[]? gatedParts = null) : IParallelBody
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
            if (gatedParts?.Contains(index) == true && Settings.NumThreads >= 2)
            {
                TimedOut |= !SpinWait.SpinUntil(() => Volatile.Read(ref _started[startGate]) == 1, Patience);
            }

            if (waitingParts.Contains(index) && Settings.NumThreads >= 2)
            {
                int[] flags = awaitFinished ? _finished : _started;
                TimedOut |= !SpinWait.SpinUntil(() => awaitedParts.All(p => Volatile.Read(ref flags[p]) == 1), Patience);
            }

            Volatile.Write(ref _finished[index], 1);
        }
    }
}
