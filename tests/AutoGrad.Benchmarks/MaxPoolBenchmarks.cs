using AutoGrad.Kernels;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// Max pooling's 2×2/stride-2 fast path (<see cref="MaxPoolTwoByTwo"/>: four or eight windows per vector, the gradient written
/// without a clearing pass) against the window search it replaced for that case (<see cref="Pooling.MaxForwardAnyWindow{T}"/>,
/// <see cref="Pooling.MaxBackwardAnyWindow{T}"/>), on the MNIST <c>cnn</c>'s pooling layers at 64 images (what each core
/// runs when the compiled step splits a batch of 128): 32 planes of 26×26 and 64 planes of 11×11, float32. Outside such
/// a split (eager training, a step that runs whole) a large pass splits its planes over the cores; TwoByTwoOneThread
/// shows what that split buys.
/// </summary>
public class MaxPoolBenchmarks
{
    private const int Images = 64;
    private ConvGeometry _g;
    private int _planes;
    private float[] _x = [];
    private float[] _y = [];
    private float[] _dy = [];
    private float[] _dx = [];

    /// <summary>The layer: "26x26" (the first pooling, 32 channels) or "11x11" (the second, 64 channels).</summary>
    [Params("26x26", "11x11")]
    public string Layer { get; set; } = "26x26";

    /// <summary>"forward" or "gradient".</summary>
    [Params("forward", "gradient")]
    public string Pass { get; set; } = "forward";

    /// <summary>ReLU-like inputs (a third exactly zero, so windows hold ties), as the pooling sees after a ReLU.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (int size, int channels) = Layer == "26x26" ? (26, 32) : (11, 64);
        _g = new ConvGeometry(1, size, size, 2, 2, 2, 2, 0, 0, 1, 1);
        _planes = Images * channels;
        var generator = new Generator(21);
        _x = Tensor.Uniform([_planes * size * size], -0.5, 1, generator).Relu().ToArray<float>();
        _dy = Tensor.Uniform([_planes * _g.OutHeight * _g.OutWidth], -1, 1, generator).ToArray<float>();
        _y = new float[_dy.Length];
        _dx = new float[_x.Length];
    }

    /// <summary>The window search for any window.</summary>
    [Benchmark(Baseline = true)]
    public void AnyWindow()
    {
        if (Pass == "forward")
        {
            Pooling.MaxForwardAnyWindow<float>(_x, _planes, _g, _y);
        }
        else
        {
            Pooling.MaxBackwardAnyWindow<float>(_dy, _x, _planes, _g, _dx);
        }
    }

    /// <summary>The 2×2 fast path on one thread (what a row block of a split compiled step runs).</summary>
    [Benchmark]
    public void TwoByTwoOneThread()
    {
        if (Pass == "forward")
        {
            Pooling.MaxForwardTwoByTwo<float>(_x, _planes, _g.Height, _g.Width, _g.OutHeight, _g.OutWidth, _y);
        }
        else
        {
            Pooling.MaxBackwardTwoByTwo<float>(_dy, _x, _planes, _g.Height, _g.Width, _g.OutHeight, _g.OutWidth, _dx);
        }
    }

    /// <summary>The 2×2 fast path the kernels take: split over the cores by planes when the batch is large.</summary>
    [Benchmark]
    public void TwoByTwo()
    {
        if (Pass == "forward")
        {
            Pooling.MaxForward<float>(_x, _planes, _g, _y);
        }
        else
        {
            Pooling.MaxBackward<float>(_dy, _x, _planes, _g, _dx);
        }
    }
}
