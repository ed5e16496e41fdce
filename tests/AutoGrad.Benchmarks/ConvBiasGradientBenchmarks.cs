using AutoGrad.Examples.Mnist;
using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Ops.Conv;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The MNIST example's <c>cnn</c> compiled training step (batch 128, Adam, 10 batches of real images per invocation, as
/// <see cref="CnnEpochBenchmarks"/>), traced with each convolution's bias gradient summed on its own from the output
/// gradient (the baseline) against taken from the filter gradient's last column
/// (<c>conv2d_filter_grad[with_bias]</c>, <see cref="Conv2dOp.FoldsBiasGradient"/>).
/// </summary>
public class ConvBiasGradientBenchmarks
{
    private const int Batches = 10;
    private Tensor[] _inputs = [];
    private Tensor[] _targets = [];
    private CompiledTrainingStep _separate = null!;
    private CompiledTrainingStep _folded = null!;

    /// <summary>The batches and the two steps, each traced and run once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (Tensor[] inputs, Tensor[] targets) = MnistTensors.Load().Batches(MnistTrainingBenchmark.BatchSize);
        _inputs = [.. inputs[..Batches].Select(x => x.Reshape([x.Shape[0], 1, 28, 28]))];
        _targets = targets[..Batches];
        try
        {
            Conv2dOp.FoldsBiasGradient = false;
            _separate = Create();
        }
        finally
        {
            Conv2dOp.FoldsBiasGradient = true;
        }

        _folded = Create();
    }

    /// <summary>Bias gradients as their own sums over the output gradients.</summary>
    [Benchmark(Baseline = true)]
    public void Separate() => Run(_separate);

    /// <summary>Bias gradients from the filter gradients' last column.</summary>
    [Benchmark]
    public void Folded() => Run(_folded);

    private CompiledTrainingStep Create()
    {
        Generator.ManualSeed(1);
        Sequential model = MnistModels.Create(MnistModels.Cnn);
        model.Call(_inputs[0]);
        var loss = new CrossEntropy();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(model.Call(x), y), TensorSpec.Batched(1, 28, 28), TensorSpec.Batched(10),
            new Adam(model.Parameters(), 1e-3));
        step.Step(_inputs[0], _targets[0]); // traced here, with the flag as it is now
        return step;
    }

    private void Run(CompiledTrainingStep step)
    {
        for (int b = 0; b < _inputs.Length; b++)
        {
            step.Step(_inputs[b], _targets[b]);
        }
    }
}
