using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>The largest C (m·n elements) whose product is summed as two depth halves.</summary>
    internal const int DepthSplitMaxOutput = 16 * 1024;

    /// <summary>The least depth k that is summed as two halves.</summary>
    internal const int DepthSplitMinDepth = 512;

    /// <summary>
    /// Whether C = A·B is summed as two halves of its depth: a small C from a long k (a training step's first layer,
    /// 64×784·784×128), and not when accumulating into C. A property of the shape alone, never of the thread count, so
    /// every thread count sums in the same order.
    /// </summary>
    private static bool SplitsDepth(int m, int n, int k, bool accumulate) =>
        !accumulate && k >= DepthSplitMinDepth && (long)m * n <= DepthSplitMaxOutput;

    /// <summary>
    /// C = P + Q, where P sums the first half of the depth's KC blocks (rows [0, k₀) of B) and Q the rest, each exactly as
    /// a product of its own depth would; then the epilogue on all of C.
    /// </summary>
    /// <remarks>
    /// A small C from a long depth splits poorly over m or n: every thread reads all of B, and B is typically a weight the
    /// optimizer has just updated, half of it on each core (the update is split by element ranges), so half of every
    /// thread's B arrives from the other core. Split over the depth, thread 0 (the caller) reads only rows [0, k₀) of B
    /// and thread 1 only the rest — the halves <see cref="Parallelism"/>'s affinity gives the same threads in the
    /// update — and only Q (m·n ≤ 16 K elements) crosses cores. One thread computes both halves the same way, one after
    /// the other.
    /// </remarks>
    private static void RunDepthHalves<T>(in Problem<T> problem, int threads)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int m = problem.M, n = problem.N, k = problem.K;
        int kc = Balanced(k, KC);
        int blocks = (k + kc - 1) / kc;
        int k0 = (blocks + 1) / 2 * kc;
        T* second = PackBuffers<T>.Depth(m * n);
        var halves = new DepthHalves<T>(problem.Depth(0, k0, problem.C, problem.Ldc), problem.Depth(k0, k - k0, second, n));
        if (threads > 1)
        {
            DepthJob<T> job = DepthJob<T>.ForCurrentThread();
            job.Halves = halves;
            try
            {
                Parallelism.For(2, job, 2);
            }
            finally
            {
                job.Halves = default;
            }
        }
        else
        {
            halves.First.Run();
            halves.Second.Run();
        }

        for (int i = 0; i < m; i++)
        {
            Span<T> row = new(problem.C + (i * problem.Ldc), n);
            TensorPrimitives.Add(row, new ReadOnlySpan<T>(second + (i * n), n), row);
        }

        problem.Epilogue.Apply(0, m, 0, n);
    }

    /// <summary>The two halves of a depth-split product.</summary>
    private readonly record struct DepthHalves<T>(Problem<T> First, Problem<T> Second)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>The reusable work item for the two halves; one per calling thread, so no allocation per call.</summary>
    private sealed class DepthJob<T> : IParallelBody
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static DepthJob<T>? t_instance;

        public DepthHalves<T> Halves { get; set; }

        public static DepthJob<T> ForCurrentThread() => t_instance ??= new DepthJob<T>();

        public void Execute(int index)
        {
            if (index == 0)
            {
                Halves.First.Run();
            }
            else
            {
                Halves.Second.Run();
            }
        }
    }
}
