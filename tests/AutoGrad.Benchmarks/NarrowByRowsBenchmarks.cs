using AutoGrad.Kernels;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The MNIST MLP's weight gradient of its classifier, hᵀ·dZ ((B×128)ᵀ·B×10, float32, one thread): tiles vectorized over
/// C's columns (10 of 16 lanes used, the baseline: 16-row tiles with AVX-512, the 6×16 tile with AVX2 only) against
/// tiles vectorized over C's rows (<see cref="Gemm.NarrowByRowsEnabled"/>). Both give the same bits.
/// </summary>
public class NarrowByRowsBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    /// <summary>The batch: the depth of the product.</summary>
    [Params(64, 256)]
    public int Batch { get; set; }

    /// <summary>h (B×128) and dZ (B×10) in [-1, 1).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(47);
        _a = GemmCase.Uniform(random, Batch * 128);
        _b = GemmCase.Uniform(random, Batch * 10);
        _c = new float[128 * 10];
    }

    /// <summary>Restores the row tiles.</summary>
    [GlobalCleanup]
    public void Cleanup() => Gemm.NarrowByRowsEnabled = true;

    /// <summary>Tiles vectorized over C's columns.</summary>
    [Benchmark(Baseline = true)]
    public void ColumnTiles()
    {
        Gemm.NarrowByRowsEnabled = false;
        Gemm.Multiply<float>(_a, 128, true, _b, 10, false, _c, 10, 128, 10, Batch, accumulate: false, maxThreads: 1, GemmPath.Auto);
    }

    /// <summary>Tiles vectorized over C's rows.</summary>
    [Benchmark]
    public void RowTiles()
    {
        Gemm.NarrowByRowsEnabled = true;
        Gemm.Multiply<float>(_a, 128, true, _b, 10, false, _c, 10, 128, 10, Batch, accumulate: false, maxThreads: 1, GemmPath.Auto);
    }
}
