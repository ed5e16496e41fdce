using AutoGrad.Kernels;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// Log-softmax over a classifier's logits (rows of 10 float32 values, the MNIST models' cross-entropy), one thread: the
/// TensorPrimitives calls per row (the baseline) against one masked 512-bit vector per row
/// (<see cref="Softmax.ShortRowsEnabled"/>).
/// </summary>
public class SoftmaxRowsBenchmarks
{
    private float[] _x = [];
    private float[] _y = [];

    /// <summary>Rows (the batch size).</summary>
    [Params(64, 256)]
    public int Rows { get; set; }

    /// <summary>Logits in [-5, 5).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _x = Tensor.Uniform([Rows * 10], -5, 5, new Generator(41)).ToArray<float>();
        _y = new float[_x.Length];
    }

    /// <summary>Restores the short-row path.</summary>
    [GlobalCleanup]
    public void Cleanup() => Softmax.ShortRowsEnabled = true;

    /// <summary>Max, subtract, exp, sum and subtract through TensorPrimitives, per row.</summary>
    [Benchmark(Baseline = true)]
    public void Spans()
    {
        Softmax.ShortRowsEnabled = false;
        Softmax.Axis<float>(_x, _y, Rows, 10, 1, log: true);
    }

    /// <summary>One masked vector per row.</summary>
    [Benchmark]
    public void ShortRows()
    {
        Softmax.ShortRowsEnabled = true;
        Softmax.Axis<float>(_x, _y, Rows, 10, 1, log: true);
    }
}
