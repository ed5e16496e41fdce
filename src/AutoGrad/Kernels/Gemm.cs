using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

/// <summary>Which GEMM implementation runs; <see cref="Auto"/> picks the fastest the hardware supports.</summary>
internal enum GemmPath
{
    /// <summary>Where both AVX-512 and AVX2 with FMA run, the one whose micro-kernel measured faster on this machine
    /// (<see cref="Gemm.PreferredVectorPath"/>); else the one supported; else scalar.</summary>
    Auto,

    /// <summary>Packed panels with the 12×(2·Vector512) micro-kernel (float and double only).</summary>
    Avx512,

    /// <summary>Packed panels with the 6×(2·Vector256) FMA micro-kernel (float and double only).</summary>
    Avx2,

    /// <summary>Plain loops in the element type's own arithmetic; any IEEE type, any hardware.</summary>
    Scalar,
}

/// <summary>
/// General matrix multiply, C = op(A)·op(B) (+ C), on row-major spans, structured like BLIS/GotoBLAS: cache-sized
/// blocks of A and B are packed into contiguous micro-panels (transposes are absorbed by the packing, never
/// materialized) and a register-blocked FMA micro-kernel computes MR×NR tiles of C.
/// </summary>
/// <remarks>
/// Loop nest (innermost last), with the block sizes chosen for a 48 KB L1 and a 2 MB L2 per core:
/// <code>
/// for i0 over m by MC        A block MC×KC packed per (i0, p0): lives in L3
///   for p0 over k by KC
///     for j0 over n by NC    B block KC×NC packed per (i0, p0, j0): lives in L2
///       for ir by MR         A micro-panel KC×MR: stays in L1 across the jr loop
///         for jr by NR       B micro-panel KC×NR streamed from L2; one micro-kernel call
/// </code>
/// The sum over k for one element of C is always formed in the same order (by KC blocks, p ascending), whatever
/// the thread count or tile position, so results do not depend on <see cref="Settings.NumThreads"/>.
/// Large products are split over threads along m or n (whichever repacks less), each thread owning its own packing
/// buffers and a disjoint part of C; a small C from a long depth is summed as two halves of its depth instead
/// (<c>Gemm.Depth.cs</c>), the same way on any thread count.
/// </remarks>
internal static unsafe partial class Gemm
{
    /// <summary>
    /// Depth of a packed block: a 12-row A micro-panel (12 KB of float) and a KC×32 B micro-panel (32 KB) fit the 48 KB
    /// L1 together. With 384 (a 48 KB B micro-panel) 512³–2048³ ran 6–10 % slower with the old scalar packing and
    /// within the noise of 256 with the vectorized one (2026-11-29, one thread, loaded machine).
    /// </summary>
    internal const int KC = 256;

    /// <summary>Rows of an A block; large so each B block is repacked rarely.</summary>
    internal const int MC = 1536;

    /// <summary>Columns of a B block: a KC×NC block of float fits the L2 with room for C and A.</summary>
    internal const int NC = 768;

    /// <summary>Products below this many floating-point operations (2·m·n·k) per thread run on fewer threads.</summary>
    /// <remarks>
    /// About 0.2 ms of single-thread work. Idle workers now spin 50 µs before parking, so back-to-back products do not
    /// pay a wake-up each, but on this project's shared 2-core machine the second core is rarely free: measured
    /// 2026-11-29 at load average ~24 (warm caches, interleaved 1- and 2-thread calls), the 13–17 MFLOP products of an
    /// MLP or LSTM step ran at a median 64 and 17 GFLOP/s on two threads against 106 and 85 on one, although their best
    /// two-thread calls were as fast or faster (149 against 125 for 64×784·784×128). On an idle machine a split pays
    /// from a few MFLOP only when the worker is already spinning, so this cold threshold stays and
    /// <see cref="WarmMinFlopsPerThread"/> applies inside a warm scope (docs/performance.md, "Threads").
    /// </remarks>
    internal const double MinFlopsPerThread = 32e6;

    /// <summary>
    /// <see cref="MinFlopsPerThread"/> while <see cref="Parallelism.IsWarm"/> (a compiled step is running and the workers
    /// spin): handing a part over then costs about a microsecond, so products from 2 MFLOP split. Measured 2026-11-29 on
    /// an idle 2-core Intel Xeon (warm workers, median of 200 calls, 2 threads ÷ 1): 16×128·128×784 (3.2 MFLOP) 0.71,
    /// the MLP's 12.8 MFLOP products 0.62–0.65, 51 MFLOP 0.58–0.68; at 0.16 MFLOP no gain. On 2026-11-30 (load ~2, 2,700
    /// alternating calls each): 2.1 MFLOP products 0.65 (64×128·128×128), 0.68 (16×128·128×512) and 0.81 (32×64·64×512).
    /// </summary>
    internal const double WarmMinFlopsPerThread = 1e6;

    /// <summary>The split threshold now: <see cref="WarmMinFlopsPerThread"/> while the workers spin, else <see cref="MinFlopsPerThread"/>.</summary>
    internal static double SplitFlopsPerThread => Parallelism.IsWarm ? WarmMinFlopsPerThread : MinFlopsPerThread;

    /// <summary>
    /// C[m×n] = op(A)·op(B) (+ C when accumulate). Row-major. op(A) is m×k: A is stored m×k with row stride lda when
    /// !transA, or k×m with row stride lda when transA. op(B) is k×n: B stored k×n (ldb) when !transB, or n×k (ldb)
    /// when transB. C has row stride ldc.
    /// </summary>
    /// <remarks>
    /// With k = 0 the product is the zero matrix: C is cleared, or left unchanged when accumulating. Uses up to
    /// <see cref="Settings.NumThreads"/> threads for large products. Float and double run the vectorized packed
    /// kernels; other IEEE types run plain loops.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or a stride is smaller than its row length.</exception>
    /// <exception cref="ArgumentException">A span is too short for its sizes and stride.</exception>
    public static void Multiply<T>(ReadOnlySpan<T> a, int lda, bool transA, ReadOnlySpan<T> b, int ldb, bool transB,
        Span<T> c, int ldc, int m, int n, int k, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Multiply(a, lda, transA, b, ldb, transB, c, ldc, m, n, k, accumulate, Settings.NumThreads, GemmPath.Auto);

    /// <summary>
    /// <see cref="Multiply{T}(ReadOnlySpan{T}, int, bool, ReadOnlySpan{T}, int, bool, Span{T}, int, int, int, int, bool)"/>
    /// followed by <paramref name="epilogue"/> on every element of C (see <see cref="IGemmEpilogue{T}"/>).
    /// </summary>
    /// <remarks>
    /// The kernels call the epilogue on each block of C as soon as its last k block is summed (a row panel of up to 12
    /// rows × up to <see cref="NC"/> columns on the packed paths, 16 rows on the narrow one), on the thread that computed
    /// it, while the block is still in cache; on a product summed as two depth halves, once on all of C after P + Q. The
    /// blocks are disjoint and cover C exactly once.
    /// </remarks>
    internal static void Multiply<T>(ReadOnlySpan<T> a, int lda, bool transA, ReadOnlySpan<T> b, int ldb, bool transB,
        Span<T> c, int ldc, int m, int n, int k, bool accumulate, IGemmEpilogue<T> epilogue)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(epilogue);
        Multiply(a, lda, transA, b, ldb, transB, c, ldc, m, n, k, accumulate, Settings.NumThreads, GemmPath.Auto, epilogue);
    }

    /// <summary>
    /// <see cref="Multiply{T}(ReadOnlySpan{T}, int, bool, ReadOnlySpan{T}, int, bool, Span{T}, int, int, int, int, bool)"/>
    /// with an explicit thread limit and implementation, for tests and benchmarks.
    /// </summary>
    /// <exception cref="NotSupportedException"><paramref name="path"/> is not supported for T on this machine.</exception>
    internal static void Multiply<T>(ReadOnlySpan<T> a, int lda, bool transA, ReadOnlySpan<T> b, int ldb, bool transB,
        Span<T> c, int ldc, int m, int n, int k, bool accumulate, int maxThreads, GemmPath path)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Multiply(a, lda, transA, b, ldb, transB, c, ldc, m, n, k, accumulate, maxThreads, path, epilogue: null);

    /// <summary>
    /// <see cref="Multiply{T}(ReadOnlySpan{T}, int, bool, ReadOnlySpan{T}, int, bool, Span{T}, int, int, int, int, bool, int, GemmPath)"/>
    /// with an optional epilogue applied to finished blocks of C and the split threshold
    /// (<see cref="SplitFlopsPerThread"/> unless a positive one is given), for tests and benchmarks.
    /// </summary>
    internal static void Multiply<T>(ReadOnlySpan<T> a, int lda, bool transA, ReadOnlySpan<T> b, int ldb, bool transB,
        Span<T> c, int ldc, int m, int n, int k, bool accumulate, int maxThreads, GemmPath path, IGemmEpilogue<T>? epilogue,
        double minFlopsPerThread = 0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Validate(a.Length, lda, transA ? k : m, transA ? m : k, nameof(a), nameof(lda));
        Validate(b.Length, ldb, transB ? n : k, transB ? k : n, nameof(b), nameof(ldb));
        Validate(c.Length, ldc, m, n, nameof(c), nameof(ldc));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        if (path == GemmPath.Auto)
        {
            path = BestPath<T>();
        }
        else if (!IsSupported<T>(path))
        {
            throw new NotSupportedException($"GEMM path {path} is not supported for {typeof(T).Name} on this machine.");
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                for (int i = 0; i < m; i++)
                {
                    c.Slice(i * ldc, n).Clear();
                }
            }

            epilogue?.Apply(c, ldc, 0, m, 0, n);
            return;
        }

        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            if (path != GemmPath.Scalar && IsTiny(m, n, k))
            {
                // Before the problem set-up below, which costs more than a tiny product's arithmetic.
                Tiny(pa, lda, transA, pb, ldb, transB, pc, ldc, m, n, k, accumulate);
                epilogue?.Apply(c, ldc, 0, m, 0, n);
                return;
            }

            var target = new EpilogueTarget<T>(epilogue, pc, c.Length, ldc);
            var problem = new Problem<T>(pa, lda, transA, pb, ldb, transB, pc, ldc, m, n, k, accumulate, path, target);
            int threads = Math.Min(maxThreads, Parallelism.ThreadsFor(2.0 * m * n * k, minFlopsPerThread > 0 ? minFlopsPerThread : SplitFlopsPerThread));
            if (path != GemmPath.Scalar && SplitsDepth(m, n, k, accumulate))
            {
                RunDepthHalves(problem, threads);
                return;
            }

            if (threads <= 1 || path == GemmPath.Scalar)
            {
                problem.Run();
            }
            else
            {
                RunParallel(problem, threads);
            }
        }
    }

    /// <summary>True when <paramref name="path"/> can run for element type T on this machine.</summary>
    internal static bool IsSupported<T>(GemmPath path)
    {
        bool vectorType = typeof(T) == typeof(float) || typeof(T) == typeof(double);
        return path switch
        {
            GemmPath.Auto or GemmPath.Scalar => true,
            GemmPath.Avx512 => vectorType && Avx512F.IsSupported,
            GemmPath.Avx2 => vectorType && Fma.IsSupported && Avx2.IsSupported,
            _ => false,
        };
    }

    /// <summary>
    /// The path <see cref="GemmPath.Auto"/> selects for T on this machine: where both vector paths run, the one whose
    /// micro-kernel <see cref="PreferredVectorPath"/> measured faster, else the one supported, else scalar.
    /// </summary>
    internal static GemmPath BestPath<T>() =>
        IsSupported<T>(GemmPath.Avx512) ? (IsSupported<T>(GemmPath.Avx2) ? PreferredVectorPath : GemmPath.Avx512)
        : IsSupported<T>(GemmPath.Avx2) ? GemmPath.Avx2
        : GemmPath.Scalar;

    private static void Validate(int length, int stride, int rows, int cols, string spanName, string strideName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows, "size");
        ArgumentOutOfRangeException.ThrowIfNegative(cols, "size");
        if (stride < cols || stride < 0)
        {
            throw new ArgumentOutOfRangeException(strideName, stride,
                $"The row stride {strideName} = {stride} is smaller than the row length {cols}.");
        }

        long needed = rows == 0 || cols == 0 ? 0 : ((long)(rows - 1) * stride) + cols;
        if (length < needed)
        {
            throw new ArgumentException(
                $"Span {spanName} has {length} elements but a {rows}×{cols} matrix with row stride {stride} needs {needed}.",
                spanName);
        }
    }

    /// <summary>One multiply on raw pointers; a value type so sub-problems for threads are cheap to make.</summary>
    internal readonly struct Problem<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public readonly T* A;
        public readonly nint Lda;
        public readonly bool TransA;
        public readonly T* B;
        public readonly nint Ldb;
        public readonly bool TransB;
        public readonly T* C;
        public readonly nint Ldc;
        public readonly int M;
        public readonly int N;
        public readonly int K;
        public readonly bool Accumulate;
        public readonly GemmPath Path;
        public readonly EpilogueTarget<T> Epilogue;

        /// <summary>n of the whole product this one is a column slice of (n itself when it is not one): the packed
        /// path's choice to pack A depends on it, so a slice of a large product packs as the product would.</summary>
        public readonly int WholeN;

        /// <summary>All of A already packed (<see cref="PackAllOfA{T}"/>), shared by the column slices of one product; null
        /// when each run packs its own blocks.</summary>
        public readonly T* PackedA;

        public Problem(T* a, nint lda, bool transA, T* b, nint ldb, bool transB, T* c, nint ldc,
            int m, int n, int k, bool accumulate, GemmPath path, EpilogueTarget<T> epilogue, int wholeN = -1, T* packedA = null)
        {
            A = a;
            B = b;
            C = c;
            (Lda, TransA, Ldb, TransB, Ldc) = (lda, transA, ldb, transB, ldc);
            (M, N, K, Accumulate, Path, Epilogue) = (m, n, k, accumulate, path, epilogue);
            WholeN = wholeN < 0 ? n : wholeN;
            PackedA = packedA;
        }

        /// <summary>The same product reading A from <paramref name="packedA"/>, all of A packed by <see cref="PackAllOfA{T}"/>.</summary>
        public Problem<T> WithPackedA(T* packedA) =>
            new(A, Lda, TransA, B, Ldb, TransB, C, Ldc, M, N, K, Accumulate, Path, Epilogue, WholeN, packedA);

        /// <summary>The same product restricted to rows [i0, i0 + rows) of C.</summary>
        public Problem<T> Rows(int i0, int rows) =>
            new(TransA ? A + i0 : A + (i0 * Lda), Lda, TransA, B, Ldb, TransB, C + (i0 * Ldc), Ldc, rows, N, K, Accumulate,
                Path, Epilogue.Offset(i0, 0), WholeN);

        /// <summary>The same product over depth [p0, p0 + depth) only, into <paramref name="c"/> (row stride
        /// <paramref name="ldc"/>) without accumulating and without the epilogue.</summary>
        public Problem<T> Depth(int p0, int depth, T* c, nint ldc) =>
            new(TransA ? A + (p0 * Lda) : A + p0, Lda, TransA, TransB ? B + p0 : B + (p0 * Ldb), Ldb, TransB, c, ldc, M, N, depth,
                false, Path, default);

        /// <summary>The same product restricted to columns [j0, j0 + cols) of C.</summary>
        public Problem<T> Columns(int j0, int cols) =>
            new(A, Lda, TransA, TransB ? B + (j0 * Ldb) : B + j0, Ldb, TransB, C + j0, Ldc, M, cols, K, Accumulate, Path,
                Epilogue.Offset(0, j0), WholeN, PackedA);

        public void Run()
        {
            switch (Path)
            {
                case GemmPath.Avx512 or GemmPath.Avx2 when IsNarrow<T>(N) && TransA && !NarrowInPlace<T>(K, Lda):
                    NarrowTransposed(A, Lda, B, Ldb, TransB, C, Ldc, M, N, K, Accumulate, Path);
                    Epilogue.Apply(0, M, 0, N);
                    break;
                case GemmPath.Avx512 when IsNarrow<T>(N):
                    Narrow(A, Lda, TransA, B, Ldb, TransB, C, Ldc, M, N, K, Accumulate, Epilogue);
                    break;
                case GemmPath.Avx512:
                    Blocked512(A, Lda, TransA, B, Ldb, TransB, C, Ldc, M, N, K, Accumulate, Epilogue, PacksA(WholeN), PackedA);
                    break;
                case GemmPath.Avx2 when RunsByRows256<T>(TransA, N, K, Lda):
                    NarrowByRows256(A, Lda, B, Ldb, TransB, C, Ldc, M, N, K, Accumulate, Epilogue);
                    break;
                case GemmPath.Avx2:
                    Blocked256(A, Lda, TransA, B, Ldb, TransB, C, Ldc, M, N, K, Accumulate, Epilogue, PacksA(WholeN), PackedA);
                    break;
                default:
                    Scalar(A, Lda, TransA, B, Ldb, TransB, C, Ldc, M, N, K, Accumulate);
                    Epilogue.Apply(0, M, 0, N);
                    break;
            }
        }
    }

    /// <summary>The block size at most <paramref name="limit"/> that splits <paramref name="length"/> into equal blocks.</summary>
    private static int Balanced(int length, int limit)
    {
        int blocks = (length + limit - 1) / limit;
        return (length + blocks - 1) / blocks;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Per-thread packing buffers on the pinned heap, aligned to 64 bytes, grown on demand and reused.</summary>
    private static class PackBuffers<T>
        where T : unmanaged
    {
        [ThreadStatic]
        private static T[]? t_a;

        [ThreadStatic]
        private static T[]? t_b;

        [ThreadStatic]
        private static T[]? t_c;

        [ThreadStatic]
        private static T[]? t_depth;

        [ThreadStatic]
        private static T[]? t_sharedA;

        public static T* A(int length) => Get(ref t_a, length);

        public static T* B(int length) => Get(ref t_b, length);

        /// <summary>All of A packed once for the column slices of a parallel product (<see cref="PackAllOfA{T}"/>).</summary>
        public static T* SharedA(int length) => Get(ref t_sharedA, length);

        /// <summary>A scratch result, for products computed transposed.</summary>
        public static T* C(int length) => Get(ref t_c, length);

        /// <summary>The second depth half's result (<see cref="RunDepthHalves{T}"/>).</summary>
        public static T* Depth(int length) => Get(ref t_depth, length);

        private static T* Get(ref T[]? buffer, int length)
        {
            int slack = 64 / sizeof(T);
            if (buffer is null || buffer.Length < length + slack)
            {
                buffer = GC.AllocateUninitializedArray<T>(length + slack, pinned: true);
            }

            T* start = (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
            nint misalignment = (nint)start & 63;
            return misalignment == 0 ? start : (T*)((byte*)start + (64 - misalignment));
        }
    }
}
