using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace AutoGrad.Kernels;

/// <summary>One piece of work split into numbered parts, for <see cref="Parallelism.For"/>.</summary>
/// <remarks>
/// Implement it on a class that callers cache and reuse (fields set before each call), so a parallel call allocates
/// nothing: no closure, no Task.
/// </remarks>
internal interface IParallelBody
{
    /// <summary>Runs part <paramref name="index"/>; parts may run concurrently and in any order.</summary>
    void Execute(int index);
}

/// <summary>Work over a range of elements, for <see cref="Parallelism.ForRanges"/>.</summary>
/// <remarks>Implement it on a cached object, as <see cref="IParallelBody"/>, so a call allocates nothing.</remarks>
internal interface IRangeBody
{
    /// <summary>Runs elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>); ranges may run
    /// concurrently and in any order.</summary>
    void Execute(int start, int length);
}

/// <summary>
/// Splits kernel work over a small fixed pool of worker threads plus the calling thread, without oversubscribing
/// the machine.
/// </summary>
/// <remarks>
/// <para>Rules that keep the thread count bounded by <see cref="Settings.NumThreads"/>:</para>
/// <list type="bullet">
/// <item>A call made from inside a parallel region (a worker, or a caller while it runs its share) runs all its
/// parts serially on its own thread.</item>
/// <item>The pool serves one region at a time; a call that finds it busy (another thread's region) runs serially
/// rather than queueing or adding threads.</item>
/// <item>Callers decide the thread count from the size of the work (see <see cref="ThreadsFor"/>), so small work
/// runs on the caller's thread without touching the pool.</item>
/// </list>
/// Parts are dealt by affinity: of T threads, thread t (the caller is 0, worker w is w + 1) first runs its own contiguous
/// group, parts [t·count/T, (t+1)·count/T), in order, then takes the parts left unstarted in the other groups, last
/// first. Each part is claimed once, so a thread slowed by other load on the machine simply runs fewer parts; in the usual
/// case the same thread runs the same share of a region every time. That keeps data where it was written: a compiled
/// step's gradient product writes the first half of a weight gradient on the caller, the optimizer's update of the first
/// half of that weight runs there too, and the next step's product reads that half of the weight there again (measured
/// in docs/performance.md, "Affinity and depth halves"). The first exception thrown by a part is rethrown on the caller after all threads
/// stop; parts not yet started are skipped.
/// </remarks>
internal static class Parallelism
{
    [ThreadStatic]
    private static bool t_inParallelRegion;

    [ThreadStatic]
    private static bool t_serial;

    /// <summary>How long an idle worker spins before it parks: 50 µs.</summary>
    private static readonly long s_spinTicks = Stopwatch.Frequency / 20_000;

    private static readonly object s_gate = new();
    private static Worker[] s_workers = [];

    // The region in progress; written by the caller holding s_gate before it wakes the workers.
    private static IParallelBody? s_body;
    private static int s_count;
    private static int s_threads;
    private static int[] s_claimed = new int[64];
    private static int s_running;
    private static ExceptionDispatchInfo? s_error;

    // Open KeepWarm scopes, over all threads.
    private static int s_warm;

    /// <summary>True on a thread that is running parts of a parallel region.</summary>
    public static bool IsInParallelRegion => t_inParallelRegion;

    /// <summary>
    /// True while a <see cref="KeepWarm"/> scope is open (and more than one thread is allowed): the workers spin instead of
    /// parking, so handing them part of a region costs about a microsecond instead of a wake-up through the scheduler
    /// (40–50 µs measured on a 2-core VM). Kernels split smaller work while it holds.
    /// </summary>
    public static bool IsWarm => Volatile.Read(ref s_warm) > 0 && !t_inParallelRegion;

    /// <summary>
    /// Keeps the workers spinning until the returned scope is disposed (and for the usual 50 µs after), waking any that
    /// have parked. A compiled step holds one for its whole run: it knows that its kernels come back to back, as an
    /// OpenMP runtime's spinning threads assume, so its medium-sized products and updates can use both cores. Scopes nest
    /// and may be opened on several threads; inside a parallel region, or with one thread allowed, it does nothing.
    /// </summary>
    public static WarmScope KeepWarm()
    {
        if (t_inParallelRegion || Settings.NumThreads <= 1)
        {
            return default;
        }

        Interlocked.Increment(ref s_warm);
        if (Monitor.TryEnter(s_gate))
        {
            try
            {
                EnsureWorkers(Settings.NumThreads - 1);
            }
            finally
            {
                Monitor.Exit(s_gate);
            }
        }

        foreach (Worker worker in Volatile.Read(ref s_workers))
        {
            worker.Nudge();
        }

        return new WarmScope(true);
    }

    /// <summary>
    /// When set, every region started on this thread runs all its parts on this thread, split exactly as it would be
    /// split over the pool. Which parts the calling thread takes otherwise depends on when the workers finish theirs, so an
    /// allocation test sets this for one warm-up run: the calling thread then grows every per-thread buffer any part
    /// needs, and later runs allocate nothing whichever parts it takes.
    /// </summary>
    internal static bool SerialOnThisThread
    {
        get => t_serial;
        set => t_serial = value;
    }

    /// <summary>
    /// How many threads work of <paramref name="work"/> units deserves when each thread should get at least
    /// <paramref name="minWorkPerThread"/> units: between 1 and <see cref="Settings.NumThreads"/>, and 1 inside a
    /// parallel region.
    /// </summary>
    public static int ThreadsFor(double work, double minWorkPerThread)
    {
        if (t_inParallelRegion)
        {
            return 1;
        }

        double byWork = Math.Floor(work / minWorkPerThread);
        int limit = Settings.NumThreads;
        return byWork >= limit ? limit : Math.Max(1, (int)byWork);
    }

    /// <summary>
    /// Runs <c>body.Execute(i)</c> for every <c>i</c> in [0, <paramref name="count"/>) on up to
    /// <paramref name="maxThreads"/> threads (the caller included) and returns when all parts are done.
    /// </summary>
    public static void For(int count, IParallelBody body, int maxThreads)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0)
        {
            return;
        }

        int threads = Math.Min(count, maxThreads);
        if (threads <= 1 || t_inParallelRegion || t_serial || !Monitor.TryEnter(s_gate))
        {
            RunSerially(count, body);
            return;
        }

        try
        {
            EnsureWorkers(threads - 1);
            if (s_claimed.Length < count)
            {
                s_claimed = new int[Math.Max(count, 2 * s_claimed.Length)];
            }

            Array.Clear(s_claimed, 0, count);
            s_body = body;
            s_count = count;
            s_threads = threads;
            s_error = null;
            Volatile.Write(ref s_running, threads - 1);
            for (int w = 0; w < threads - 1; w++)
            {
                s_workers[w].Wake();
            }

            t_inParallelRegion = true;
            try
            {
                RunParts(0);
            }
            finally
            {
                t_inParallelRegion = false;
            }

            // Spin, then yield, but never Sleep(1): a millisecond nap would dwarf the work of most regions.
            SpinWait spin = default;
            while (Volatile.Read(ref s_running) != 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            ExceptionDispatchInfo? error = s_error;
            s_body = null;
            s_error = null;
            error?.Throw();
        }
        finally
        {
            Monitor.Exit(s_gate);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> over elements [0, <paramref name="size"/>) on up to <paramref name="maxThreads"/> threads:
    /// two ranges per thread (so a core held up by other load hands its second range to the other), each a whole number of
    /// 64-element blocks (cache lines of float, whole vectors) but the last. One range on the calling thread when one thread.
    /// </summary>
    public static void ForRanges(int size, IRangeBody body, int maxThreads)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (maxThreads <= 1 || t_inParallelRegion || size <= 64)
        {
            body.Execute(0, size);
            return;
        }

        int parts = 2 * maxThreads;
        int chunk = ((((size + parts - 1) / parts) + 63) / 64) * 64;
        RangeJob job = t_rangeJob ??= new RangeJob();
        job.Set(body, size, chunk);
        try
        {
            For((size + chunk - 1) / chunk, job, maxThreads);
        }
        finally
        {
            job.Set(null, 0, 0);
        }
    }

    [ThreadStatic]
    private static RangeJob? t_rangeJob;

    /// <summary>Closes one <see cref="KeepWarm"/> scope.</summary>
    internal static void EndWarm() => Interlocked.Decrement(ref s_warm);

    private static void RunSerially(int count, IParallelBody body)
    {
        bool wasInRegion = t_inParallelRegion;
        t_inParallelRegion = true;
        try
        {
            for (int i = 0; i < count; i++)
            {
                body.Execute(i);
            }
        }
        finally
        {
            t_inParallelRegion = wasInRegion;
        }
    }

    /// <summary>
    /// Thread <paramref name="thread"/>'s share of the region: its own group of parts in order, then whatever the other
    /// groups have left unstarted, each group's last part first (see the class remarks); shared by the caller (thread 0)
    /// and the workers.
    /// </summary>
    private static void RunParts(int thread)
    {
        IParallelBody body = s_body!;
        int count = s_count, threads = s_threads;
        int[] claimed = s_claimed;
        for (int i = thread * count / threads, end = (thread + 1) * count / threads; i < end; i++)
        {
            TryRun(body, claimed, i);
        }

        for (int other = 1; other < threads; other++)
        {
            int group = (thread + other) % threads;
            for (int i = ((group + 1) * count / threads) - 1, first = group * count / threads; i >= first; i--)
            {
                TryRun(body, claimed, i);
            }
        }
    }

    /// <summary>Runs part <paramref name="index"/> unless another thread has claimed it (or a part has failed).</summary>
    private static void TryRun(IParallelBody body, int[] claimed, int index)
    {
        if (Volatile.Read(ref claimed[index]) != 0 || Interlocked.Exchange(ref claimed[index], 1) != 0 || Volatile.Read(ref s_error) is not null)
        {
            return;
        }

        try
        {
            body.Execute(index);
        }
        catch (Exception ex)
        {
            Interlocked.CompareExchange(ref s_error, ExceptionDispatchInfo.Capture(ex), null);
        }
    }

    private static void EnsureWorkers(int needed)
    {
        // Called under s_gate, so the array only grows here.
        if (s_workers.Length >= needed)
        {
            return;
        }

        var workers = new Worker[needed];
        Array.Copy(s_workers, workers, s_workers.Length);
        for (int w = s_workers.Length; w < needed; w++)
        {
            workers[w] = new Worker(w);
        }

        s_workers = workers;
    }

    /// <summary>The ranges of one <see cref="ForRanges"/> call as parts; one per calling thread.</summary>
    private sealed class RangeJob : IParallelBody
    {
        private IRangeBody? body;
        private int size;
        private int chunk;

        public void Set(IRangeBody? rangeBody, int elements, int chunkSize) => (body, size, chunk) = (rangeBody, elements, chunkSize);

        public void Execute(int index)
        {
            int start = index * chunk;
            body!.Execute(start, Math.Min(chunk, size - start));
        }
    }

    private sealed class Worker
    {
        // _state: Idle while the worker spins or runs parts, Parked while it waits on _wake, Posted when a region
        // has been handed to it, Nudged when KeepWarm woke it to spin. Only Wake moves it to Posted and only Nudge to
        // Nudged (from Parked); only the worker moves it to Idle or Parked.
        private const int Idle = 0;
        private const int Parked = 1;
        private const int Posted = 2;
        private const int Nudged = 3;

        private readonly SemaphoreSlim _wake = new(0);
        private readonly int _index;
        private int _state;

        public Worker(int index)
        {
            _index = index;
            var thread = new Thread(Loop)
            {
                IsBackground = true,
                Name = $"AutoGrad worker {index + 1}",
            };
            thread.Start();
        }

        /// <summary>Hands the current region to this worker; releases the semaphore only if the worker has parked.</summary>
        public void Wake()
        {
            if (Interlocked.Exchange(ref _state, Posted) == Parked)
            {
                _wake.Release();
            }
        }

        /// <summary>Wakes a parked worker to spin (a <see cref="KeepWarm"/> scope opened); a spinning or busy one is left alone.</summary>
        public void Nudge()
        {
            if (Interlocked.CompareExchange(ref _state, Nudged, Parked) == Parked)
            {
                _wake.Release();
            }
        }

        private void Loop()
        {
            t_inParallelRegion = true;
            while (true)
            {
                // Spin for a short while before parking: a training step issues products back to back, and a parked
                // thread costs a futex wake-up and a trip through the scheduler (tens of microseconds, more on a
                // loaded machine) before it does any work. The spin is bounded so an idle pool gives the core back;
                // a KeepWarm scope extends it until the scope closes.
                long deadline = Stopwatch.GetTimestamp() + s_spinTicks;
                while (Volatile.Read(ref _state) != Posted)
                {
                    long now = Stopwatch.GetTimestamp();
                    if (Volatile.Read(ref s_warm) > 0)
                    {
                        deadline = now + s_spinTicks;
                    }
                    else if (now >= deadline)
                    {
                        break;
                    }

                    Thread.SpinWait(16);
                }

                // Park unless a region was posted meanwhile; Wake sees Parked and releases the semaphore.
                if (Interlocked.CompareExchange(ref _state, Parked, Idle) == Idle)
                {
                    _wake.Wait();
                }

                // Woken by Nudge (and no region posted since): back to spinning.
                if (Interlocked.CompareExchange(ref _state, Idle, Nudged) == Nudged)
                {
                    continue;
                }

                Volatile.Write(ref _state, Idle);
                RunParts(_index + 1);
                Interlocked.Decrement(ref s_running);
            }
        }
    }
}

/// <summary>An open <see cref="Parallelism.KeepWarm"/> scope; dispose it when the burst of kernels ends.</summary>
internal readonly struct WarmScope : IDisposable
{
    private readonly bool active;

    internal WarmScope(bool active) => this.active = active;

    /// <summary>Closes the scope; the workers park 50 µs after the last one closes.</summary>
    public void Dispose()
    {
        if (active)
        {
            Parallelism.EndWarm();
        }
    }
}
