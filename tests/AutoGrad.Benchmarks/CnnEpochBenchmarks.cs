using AutoGrad.Examples.Mnist;
using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The MNIST example's <c>cnn</c> model (Conv2D(32, 3×3)-ReLU-MaxPool(2)-Conv2D(64, 3×3)-ReLU-MaxPool(2)-Dense(128)-ReLU-
/// Dense(10), built by <see cref="MnistModels.Create"/> so it is exactly what <c>--model cnn</c> trains) with cross-entropy
/// and Adam (lr 1e-3) at batch 128: the eager NN loop (ZeroGrad, forward, Backward, Step) as baseline, and the same step
/// compiled with <see cref="CompiledTrainingStep"/> (what the example's default <c>--execution jit</c> runs).
/// </summary>
/// <remarks>
/// An epoch takes seconds, too long for BenchmarkDotNet's repeated invocations, so each invocation trains on the first
/// <see cref="Batches"/> batches of 128 real MNIST images (the same ones every time), as
/// <see cref="SequenceEpochBenchmarks"/> does: one epoch of 60,000 images is <see cref="EpochScale"/> invocations. Issue 13
/// states the epoch as a multiple of <see cref="FlopsPerEpoch"/> ÷ the 2-thread GEMM 1024³ rate, which
/// <see cref="Gemm1024"/> measures in the same run (epoch ÷ (FlopsPerEpoch ÷ rate) = epoch time ÷ (FlopsPerEpoch ÷ 2·1024³
/// × Gemm1024 time)).
/// </remarks>
public class CnnEpochBenchmarks : MnistTrainingBenchmark
{
    /// <summary>Mini-batches per invocation.</summary>
    public const int Batches = 10;

    /// <summary>Invocations per epoch of 60,000 images.</summary>
    public const double EpochScale = 60000.0 / (Batches * BatchSize);

    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    /// <summary>
    /// Floating-point operations of one training epoch (60,000 images) counted from the layer shapes, a multiply-add
    /// being two: per image, each product once forward, and backward once for each input that needs a gradient (the
    /// first convolution's input does not) — 15.4 MFLOP per image, 0.92 TFLOP per epoch. Elementwise work, pooling and
    /// the optimizer are not counted: they are memory-bound and small next to the products.
    /// </summary>
    public static double FlopsPerEpoch => 60000.0 * FlopsPerImage;

    /// <summary>The products of one image's forward and backward pass; see <see cref="FlopsPerEpoch"/>.</summary>
    public static double FlopsPerImage
    {
        get
        {
            // conv1: 1→32 channels, 3×3, 28×28 → 26×26 (pool → 13×13); conv2: 32→64, 3×3, 13×13 → 11×11 (pool → 5×5).
            double conv1 = 2.0 * 32 * (1 * 3 * 3) * (26 * 26);
            double conv2 = 2.0 * 64 * (32 * 3 * 3) * (11 * 11);
            double dense1 = 2.0 * (64 * 5 * 5) * 128;
            double dense2 = 2.0 * 128 * 10;
            double forward = conv1 + conv2 + dense1 + dense2;
            double backward = conv1 + (2 * conv2) + (2 * dense1) + (2 * dense2); // conv1: the filter gradient only
            return forward + backward;
        }
    }

    /// <inheritdoc/>
    protected override int BatchCount => Batches;

    /// <inheritdoc/>
    protected override int[] ExampleShape => [1, 28, 28];

    /// <inheritdoc/>
    protected override Sequential CreateModel() => MnistModels.Create(MnistModels.Cnn);

    /// <summary>The operands of the GEMM yardstick.</summary>
    protected override void SetupMore()
    {
        var random = new Random(42);
        _a = GemmCase.Uniform(random, 1024 * 1024);
        _b = GemmCase.Uniform(random, 1024 * 1024);
        _c = new float[1024 * 1024];
    }

    /// <summary>One 1024³ float32 product on every core (<see cref="Settings.NumThreads"/> left at its default), the yardstick.</summary>
    [Benchmark]
    public void Gemm1024() => AutoGrad.Kernels.Gemm.Multiply<float>(_a, 1024, false, _b, 1024, false, _c, 1024, 1024, 1024, 1024, accumulate: false);
}
