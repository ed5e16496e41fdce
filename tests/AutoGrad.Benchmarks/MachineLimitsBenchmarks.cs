using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The machine's own limits, measured in the same run as the library's rows so that every GEMM and bandwidth-bound
/// figure can be stated as a fraction of them: the fused multiply-add peak (independent FMA chains on 256- and 512-bit
/// vectors, 1 and 2 threads; the better width is the peak) and the sequential read bandwidth (1 and 2 threads).
/// </summary>
/// <remarks>
/// The FMA kernel keeps 12 independent accumulators, more than the FMA latency × throughput of current x86 cores (4 × 2),
/// so it is bound by FMA throughput alone. The read kernel sums a 256 MB array (far beyond any cache) with
/// <c>TensorPrimitives.Sum</c>, whose vector loop issues one load per vector.
/// </remarks>
public class MachineLimitsBenchmarks
{
    private const int Chains = 12;
    private const long Iterations = 1_000_000;
    private const int ReadElements = 64 << 20;

    private float[] _data = [];

    /// <summary>The limit measured.</summary>
    [ParamsSource(nameof(Cases))]
    public LimitCase Case { get; set; } = null!;

    /// <summary>FMA at 256 and 512 bits and reads, each on 1 and 2 threads.</summary>
    public static IEnumerable<LimitCase> Cases()
    {
        foreach (int threads in new[] { 1, 2 })
        {
            yield return new FmaCase(256, threads, Chains, Iterations);
            if (Vector512.IsHardwareAccelerated)
            {
                yield return new FmaCase(512, threads, Chains, Iterations);
            }

            yield return new ReadCase(threads, ReadElements);
        }
    }

    /// <summary>Allocates and touches the read buffer once, so page faults are not measured.</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (Case is ReadCase)
        {
            _data = new float[ReadElements];
            _data.AsSpan().Fill(1f);
        }
    }

    /// <summary>One run of the case on its threads.</summary>
    [Benchmark]
    public float Run()
    {
        int threads = Case.Threads;
        var results = new float[threads];
        Action<int> work = Case switch
        {
            FmaCase { Width: 512 } => t => results[t] = Fma512(Iterations),
            FmaCase => t => results[t] = Fma256(Iterations),
            _ => t =>
            {
                int part = ReadElements / threads;
                results[t] = TensorPrimitives.Sum<float>(_data.AsSpan(t * part, part));
            },
        };

        if (threads == 1)
        {
            work(0);
        }
        else
        {
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, work);
        }

        return results.Sum();
    }

    private static float Fma256(long iterations)
    {
        Vector256<float> m = Vector256.Create(0.999999f), c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector256<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c);
            a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c);
            a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c);
            a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c);
            a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c);
            a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    private static float Fma512(long iterations)
    {
        Vector512<float> m = Vector512.Create(0.999999f), c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector512<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c);
            a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c);
            a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c);
            a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c);
            a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}

/// <summary>A machine limit: its threads, and how it prints in the parameter column.</summary>
/// <param name="Threads">Threads running the kernel at once.</param>
public abstract record LimitCase(int Threads);

/// <summary>Independent FMA chains on vectors of <paramref name="Width"/> bits; the GFLOP/s column is the FMA peak.</summary>
public sealed record FmaCase(int Width, int Threads, int Chains, long Iterations) : LimitCase(Threads), IFlopCount
{
    /// <summary>2 flops per lane per FMA.</summary>
    public double Flops => 2.0 * (Width / 32) * Chains * Iterations * Threads;

    /// <inheritdoc/>
    public override string ToString() => $"fma{Width} x{Threads}";
}

/// <summary>A sequential read of <paramref name="Elements"/> floats split over the threads; the GFLOP/s column shows GB/s.</summary>
public sealed record ReadCase(int Threads, int Elements) : LimitCase(Threads), IFlopCount
{
    /// <summary>Bytes read (reported in the GFLOP/s column, which then reads as GB/s).</summary>
    public double Flops => 4.0 * Elements;

    /// <inheritdoc/>
    public override string ToString() => $"read x{Threads} (GB/s)";
}
