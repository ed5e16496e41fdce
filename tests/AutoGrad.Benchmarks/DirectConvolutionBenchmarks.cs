using AutoGrad.Kernels;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The MNIST <c>cnn</c>'s convolutions at 64 images — what each core runs when the compiled step splits a batch of 128 —
/// on one thread: the direct kernels (<see cref="DirectConvolution"/>) against the im2col path they replace for such
/// layers, and their 256-bit register blocks against the 512-bit ones where a machine has both. conv1: 1×28×28 →
/// 32×26×26, 3×3 (K = 9), 389 kFLOP per image and pass; conv2: 32×13×13 → 64×11×11, 3×3 (K = 288), 4.46 MFLOP per image
/// and pass. Bias included in the forwards.
/// </summary>
public class DirectConvolutionBenchmarks
{
    private const int Images = 64;
    private ConvGeometry _g;
    private int _outChannels;
    private float[] _x = [];
    private float[] _w = [];
    private float[] _bias = [];
    private float[] _y = [];
    private float[] _dy = [];
    private float[] _dw = [];
    private int _threads;

    /// <summary>"conv1-forward", "conv1-filtergrad", "conv2-forward", "conv2-filtergrad" or "conv2-inputgrad".</summary>
    [Params("conv1-forward", "conv1-filtergrad", "conv2-forward", "conv2-filtergrad", "conv2-inputgrad")]
    public string Case { get; set; } = "conv1-forward";

    /// <summary>Inputs in [0, 1) (images, or a ReLU's outputs), weights and output gradients in [-1, 1); one thread.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (_g, _outChannels) = Case.StartsWith("conv1", StringComparison.Ordinal)
            ? (new ConvGeometry(1, 28, 28, 3, 3, 1, 1, 0, 0, 1, 1), 32)
            : (new ConvGeometry(32, 13, 13, 3, 3, 1, 1, 0, 0, 1, 1), 64);
        var generator = new Generator(31);
        _x = Tensor.Uniform([Images * _g.ImageSize], 0, 1, generator).ToArray<float>();
        _w = Tensor.Uniform([_outChannels * _g.ColumnRows], -1, 1, generator).ToArray<float>();
        _bias = Tensor.Uniform([_outChannels], -1, 1, generator).ToArray<float>();
        _dy = Tensor.Uniform([Images * _outChannels * _g.ColumnCount], -1, 1, generator).ToArray<float>();
        _y = new float[_dy.Length];
        _dw = new float[_w.Length];
        _threads = Settings.NumThreads;
        Settings.NumThreads = 1;
    }

    /// <summary>Restores the thread count and the direct kernels.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Settings.NumThreads = _threads;
        DirectConvolution.Enabled = true;
        DirectConvolution.WideEnabled = true;
        DirectConvolution.VectorBits = DirectConvolution.NativeVectorBits;
    }

    /// <summary>im2col and a packed GEMM (the path for every other layer; for the input gradient, a GEMM and col2im).</summary>
    [Benchmark(Baseline = true)]
    public void Im2Col()
    {
        DirectConvolution.Enabled = false;
        DirectConvolution.WideEnabled = false;
        Run();
    }

    /// <summary>The direct kernel at the machine's widest vectors (512-bit where accelerated, else 256-bit).</summary>
    [Benchmark]
    public void Direct()
    {
        DirectConvolution.Enabled = true;
        DirectConvolution.WideEnabled = true;
        DirectConvolution.VectorBits = DirectConvolution.NativeVectorBits;
        Run();
    }

    /// <summary>The direct kernel's 256-bit register blocks (the same sums; on a machine without AVX-512, <see cref="Direct"/> again).</summary>
    [Benchmark]
    public void Direct256()
    {
        DirectConvolution.Enabled = true;
        DirectConvolution.WideEnabled = true;
        DirectConvolution.VectorBits = DirectConvolution.NativeVectorBits == 0 ? 0 : 256;
        Run();
    }

    private void Run()
    {
        if (Case.EndsWith("forward", StringComparison.Ordinal))
        {
            Convolution.Forward<float>(_x, _w, _bias, _y, Images, _outChannels, 1, _g);
        }
        else if (Case.EndsWith("inputgrad", StringComparison.Ordinal))
        {
            Convolution.InputGrad<float>(_dy, _w, _x, Images, _outChannels, 1, _g);
        }
        else
        {
            Convolution.FilterGrad<float>(_x, _dy, _dw, Images, _outChannels, 1, _g);
        }
    }
}
