using System.Numerics;
using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Splits C into <paramref name="threads"/> slices along m or n, aligned to whole micro-tiles, and runs them on
    /// <see cref="Parallelism"/>. Splitting n makes every slice repack all of A (m·k values), splitting m repacks all of
    /// B (k·n values), so the smaller operand is the one repacked.
    /// </summary>
    private static void RunParallel<T>(Problem<T> problem, int threads)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        (int mr, int nr) = problem.Path == GemmPath.Avx2 ? (6, 2 * Vector256<T>.Count) : (12, 2 * Vector512<T>.Count);
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

        int total = splitRows ? m : n;
        int unit = splitRows ? mr : nr;
        int partSize = RoundUp((total + threads - 1) / threads, unit);
        int parts = (total + partSize - 1) / partSize;

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
