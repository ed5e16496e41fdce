using AutoGrad.Kernels;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The MNIST <c>cnn</c>'s first convolution (1×28×28 → 32×26×26, 3×3, bias) at 64 images — what each core runs when the
/// compiled step splits a batch of 128 — on one thread: <see cref="DirectConvolution"/> against the im2col path it replaces
/// for such layers (column rows K = 9). Forward: 2·32·9·676 = 389 kFLOP per image, 24.9 MFLOP per call; the filter
/// gradient the same.
/// </summary>
public class FirstConvBenchmarks
{
    private const int Images = 64;
    private const int OutChannels = 32;
    private static readonly ConvGeometry Geometry = new(1, 28, 28, 3, 3, 1, 1, 0, 0, 1, 1);
    private float[] _x = [];
    private float[] _w = [];
    private float[] _bias = [];
    private float[] _y = [];
    private float[] _dy = [];
    private float[] _dw = [];
    private int _threads;

    /// <summary>"forward" (with bias) or "filtergrad".</summary>
    [Params("forward", "filtergrad")]
    public string Pass { get; set; } = "forward";

    /// <summary>Real-looking inputs in [0, 1), weights and output gradients in [-1, 1); one thread.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var generator = new Generator(31);
        _x = Tensor.Uniform([Images * Geometry.ImageSize], 0, 1, generator).ToArray<float>();
        _w = Tensor.Uniform([OutChannels * Geometry.ColumnRows], -1, 1, generator).ToArray<float>();
        _bias = Tensor.Uniform([OutChannels], -1, 1, generator).ToArray<float>();
        _dy = Tensor.Uniform([Images * OutChannels * Geometry.ColumnCount], -1, 1, generator).ToArray<float>();
        _y = new float[_dy.Length];
        _dw = new float[_w.Length];
        _threads = Settings.NumThreads;
        Settings.NumThreads = 1;
    }

    /// <summary>Restores the thread count.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Settings.NumThreads = _threads;
        DirectConvolution.Enabled = true;
    }

    /// <summary>im2col and a packed GEMM (the path for every other layer).</summary>
    [Benchmark(Baseline = true)]
    public void Im2Col()
    {
        DirectConvolution.Enabled = false;
        Run();
    }

    /// <summary>The direct kernel.</summary>
    [Benchmark]
    public void Direct()
    {
        DirectConvolution.Enabled = true;
        Run();
    }

    private void Run()
    {
        if (Pass == "forward")
        {
            Convolution.Forward<float>(_x, _w, _bias, _y, Images, OutChannels, 1, Geometry);
        }
        else
        {
            Convolution.FilterGrad<float>(_x, _dy, _dw, Images, OutChannels, 1, Geometry);
        }
    }
}
