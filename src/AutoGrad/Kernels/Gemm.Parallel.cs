using System.Numerics;
using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    private const int PartsPerThread = 2;

    /// <summary>
    /// Splits C into <paramref name="threads"/> slices along m or n, aligned to whole micro-tiles, and runs them on
    /// <see cref="Parallelism"/>. Splitting n needs all of A (m·k values) in every slice, splitting m all of B (k·n
    /// values), so the smaller operand is the one every slice reads. On the packed paths the column slices read one
    /// copy of A packed up front by all threads (<see cref="PackAllOfA{T}"/>); elsewhere each slice packs its own.
    /// </summary>
    private static void RunParallel<T>(Problem<T> problem, int threads)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        (int mr, int nr) = problem.Path == GemmPath.Avx2 ? (Mr256, 2 * Vector256<T>.Count) : (Mr512, 2 * Vector512<T>.Count);
        int m = problem.M;
        int n = problem.N;
        bool canSplitN = n >= threads * nr;
        bool canSplitM = m >= threads * mr;
        bool splitRows;
        if (canSplitN && (m <= n || !canSplitM))
        {
            splitRows = false;
        }
        else if (canSplitM)
        {
            splitRows = true;
        }
        else
        {
            problem.Run();
            return;
        }

        // Several parts per thread, so when one thread is held up (another process took its core) the others
        // take over its remaining parts instead of waiting at the end of the region.
        int total = splitRows ? m : n;
        int unit = splitRows ? mr : nr;
        int partSize = Math.Max(unit, RoundUp((total + (PartsPerThread * threads) - 1) / (PartsPerThread * threads), unit));
        int parts = (total + partSize - 1) / partSize;

        if (!splitRows && parts > 1 && SharesPackedA(problem))
        {
            problem = problem.WithPackedA(PackAllOfA(problem, threads));
        }

        ParallelJob<T> job = ParallelJob<T>.ForCurrentThread();
        job.Set(problem, splitRows, partSize, total);
        try
        {
            Parallelism.For(parts, job, threads);
        }
        finally
        {
            job.Set(default, false, 0, 0);
        }
    }

    /// <summary>Largest packed A shared by column slices: 32 MB, a 2896² float A (the buffer stays with the thread).</summary>
    private const long SharedAMaxBytes = 32L << 20;

    /// <summary>
    /// Whether the column slices of <paramref name="problem"/> should read one packed copy of A instead of each packing
    /// all of it: on either vector width's packed path (<see cref="PacksA"/>), when that copy fits <see cref="SharedAMaxBytes"/>.
    /// Each of a product's four column slices used to pack all of A. Two threads, one process alternating (2026-11-30,
    /// 10–12 rounds, load 2.5–3): 512³ medians 126–132 → 158–165 GFLOP/s; 1024³ and 2048³ within the noise, and 2–7 %
    /// faster with a busy loop on one core.
    /// </summary>
    private static bool SharesPackedA<T>(in Problem<T> problem)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        problem.Path is GemmPath.Avx512 or GemmPath.Avx2 && !IsNarrow<T>(problem.N) && PacksA(problem.WholeN)
        && (long)RoundUp(problem.M, PanelRows(problem.Path)) * problem.K * sizeof(T) <= SharedAMaxBytes;

    /// <summary>Rows of a packed A panel on a vector path: the tile height of its kernels.</summary>
    private static int PanelRows(GemmPath path) => path == GemmPath.Avx2 ? Mr256 : Mr512;

    /// <summary>
    /// Offset in the shared packed A (<see cref="PackAllOfA{T}"/>) of the block of rows [i0, i0 + mc) and depth from p0 on:
    /// the blocks of <see cref="Blocked{T, TTiles}"/>'s loop, row blocks in order, each holding its k blocks in order, every
    /// block in panels of <paramref name="mr"/> rows (the last padded).
    /// </summary>
    private static nint SharedABlock(int i0, int p0, int mc, int k, int mr) => ((nint)i0 * k) + ((nint)RoundUp(mc, mr) * p0);

    /// <summary>
    /// Packs all of A, panel by panel on up to <paramref name="threads"/> threads, in the layout <see cref="Blocked{T, TTiles}"/>
    /// reads through <see cref="SharedABlock"/>; returns the calling thread's buffer holding it.
    /// </summary>
    private static T* PackAllOfA<T>(in Problem<T> problem, int threads)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int mr = PanelRows(problem.Path);
        int panels = (problem.M + mr - 1) / mr;
        T* shared = PackBuffers<T>.SharedA(panels * mr * problem.K);
        PackJob<T> job = PackJob<T>.ForCurrentThread();
        int parts = Math.Min(panels, PartsPerThread * threads);
        job.Set(problem, shared, panels, parts);
        try
        {
            Parallelism.For(parts, job, threads);
        }
        finally
        {
            job.Set(default, null, 0, 0);
        }

        return shared;
    }

    /// <summary>Packs a contiguous run of A's panels, every k block of each (<see cref="PackAllOfA{T}"/>).</summary>
    private sealed class PackJob<T> : IParallelBody
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static PackJob<T>? t_instance;

        private Problem<T> _problem;
        private T* _shared;
        private int _panels;
        private int _parts;

        public static PackJob<T> ForCurrentThread() => t_instance ??= new PackJob<T>();

        public void Set(Problem<T> problem, T* shared, int panels, int parts)
        {
            _problem = problem;
            _shared = shared;
            _panels = panels;
            _parts = parts;
        }

        public void Execute(int index)
        {
            int m = _problem.M;
            int k = _problem.K;
            int mr = PanelRows(_problem.Path);
            (int mcMax, int kcMax) = Blocks(m, k, mr);
            int first = (int)((long)index * _panels / _parts);
            int last = (int)((long)(index + 1) * _panels / _parts);
            for (int q = first; q < last; q++)
            {
                // Every row block but the last holds a whole number of panels, so panel q starts at row mr·q.
                int row = q * mr;
                int i0 = row / mcMax * mcMax;
                int mc = Math.Min(mcMax, m - i0);
                int rows = Math.Min(mr, m - row);
                for (int p0 = 0; p0 < k; p0 += kcMax)
                {
                    int kc = Math.Min(kcMax, k - p0);
                    T* panel = _shared + SharedABlock(i0, p0, mc, k, mr) + ((nint)(row - i0) * kc);
                    PackA(_problem.A, _problem.Lda, _problem.TransA, row, p0, rows, kc, panel, mr);
                }
            }
        }
    }

    /// <summary>The reusable work item for one parallel multiply; one per calling thread, so no allocation per call.</summary>
    private sealed class ParallelJob<T> : IParallelBody
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static ParallelJob<T>? t_instance;

        private Problem<T> _problem;
        private bool _splitRows;
        private int _partSize;
        private int _total;

        public static ParallelJob<T> ForCurrentThread() => t_instance ??= new ParallelJob<T>();

        public void Set(Problem<T> problem, bool splitRows, int partSize, int total)
        {
            _problem = problem;
            _splitRows = splitRows;
            _partSize = partSize;
            _total = total;
        }

        public void Execute(int index)
        {
            int start = index * _partSize;
            int length = Math.Min(_partSize, _total - start);
            Problem<T> part = _splitRows ? _problem.Rows(start, length) : _problem.Columns(start, length);
            part.Run();
        }
    }
}
