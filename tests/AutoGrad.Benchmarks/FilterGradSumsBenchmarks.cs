using AutoGrad.Kernels;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The MNIST <c>cnn</c>'s first-layer filter gradient (1×28×28 → 32×26×26, 3×3) over 64 images on one thread, as
/// <see cref="DirectConvolutionBenchmarks"/> runs it: each block's twelve accumulators reduced one
/// <c>Vector512.Sum</c> at a time (the baseline) against four at a time (<see cref="DirectConvolution.FourChannelSums"/>).
/// Both give the same bits.
/// </summary>
public class FilterGradSumsBenchmarks
{
    private const int Images = 64;
    private readonly ConvGeometry _g = new(1, 28, 28, 3, 3, 1, 1, 0, 0, 1, 1);
    private float[] _x = [];
    private float[] _dy = [];
    private float[] _dw = [];
    private int _threads;

    /// <summary>Images in [0, 1), output gradients in [-1, 1); one thread.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var generator = new Generator(37);
        _x = Tensor.Uniform([Images * _g.ImageSize], 0, 1, generator).ToArray<float>();
        _dy = Tensor.Uniform([Images * 32 * _g.ColumnCount], -1, 1, generator).ToArray<float>();
        _dw = new float[32 * _g.ColumnRows];
        _threads = Settings.NumThreads;
        Settings.NumThreads = 1;
    }

    /// <summary>Restores the thread count and the four-way sums.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Settings.NumThreads = _threads;
        DirectConvolution.FourChannelSums = true;
    }

    /// <summary>One reduction per accumulator.</summary>
    [Benchmark(Baseline = true)]
    public void OneSumEach()
    {
        DirectConvolution.FourChannelSums = false;
        Convolution.FilterGrad<float>(_x, _dy, _dw, Images, 32, 1, _g);
    }

    /// <summary>Four accumulators per reduction.</summary>
    [Benchmark]
    public void FourAtOnce()
    {
        DirectConvolution.FourChannelSums = true;
        Convolution.FilterGrad<float>(_x, _dy, _dw, Images, 32, 1, _g);
    }
}
