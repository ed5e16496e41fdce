using AutoGrad.Kernels;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The MNIST <c>cnn</c>'s second-layer input gradient (64×11×11 → 32×13×13, 3×3, 4.46 MFLOP per image) at batch 128,
/// as the compiled step runs it, on one and two threads: each 13-wide row of dx as a block of seven positions and one of
/// six (the baseline) against one block of 13 (<see cref="DirectConvolution.WholeRowInputGrad"/>). Same sums, same bits.
/// </summary>
public class InputGradRowBenchmarks
{
    private const int Images = 128;
    private const int OutChannels = 64;
    private readonly ConvGeometry _g = new(32, 13, 13, 3, 3, 1, 1, 0, 0, 1, 1);
    private float[] _w = [];
    private float[] _dy = [];
    private float[] _dx = [];
    private int _threads;

    /// <summary>Threads the kernel may use.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Weights and output gradients in [-1, 1).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var generator = new Generator(37);
        _w = Tensor.Uniform([OutChannels * _g.ColumnRows], -1, 1, generator).ToArray<float>();
        _dy = Tensor.Uniform([Images * OutChannels * _g.ColumnCount], -1, 1, generator).ToArray<float>();
        _dx = new float[Images * _g.ImageSize];
        _threads = Settings.NumThreads;
        Settings.NumThreads = Threads;
    }

    /// <summary>Restores the thread count and the whole-row kernel.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Settings.NumThreads = _threads;
        DirectConvolution.WholeRowInputGrad = true;
    }

    /// <summary>Blocks of seven and six positions.</summary>
    [Benchmark(Baseline = true)]
    public void SevenAndSix()
    {
        DirectConvolution.WholeRowInputGrad = false;
        Convolution.InputGrad<float>(_dy, _w, _dx, Images, OutChannels, 1, _g);
    }

    /// <summary>One block of 13 positions per row.</summary>
    [Benchmark]
    public void WholeRow()
    {
        DirectConvolution.WholeRowInputGrad = true;
        Convolution.InputGrad<float>(_dy, _w, _dx, Images, OutChannels, 1, _g);
    }
}
