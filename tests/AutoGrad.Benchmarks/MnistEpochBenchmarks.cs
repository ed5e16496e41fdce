using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// One epoch (60,000 samples, in order) of the 784-128(ReLU)-10 MLP with cross-entropy on logits and Adam (lr 1e-3):
/// the eager NN API (ZeroGrad, forward, Backward, Step) as baseline, and the same step traced and compiled with
/// <see cref="CompiledTrainingStep"/>. Real MNIST when examples/Mnist/data is present (else synthetic data).
/// </summary>
public class MnistEpochBenchmarks
{
    private Tensor[] _inputs = [];
    private Tensor[] _targets = [];
    private Sequential _model = null!;
    private Adam _optimizer = null!;
    private readonly CrossEntropy _loss = new();
    private CompiledTrainingStep _compiled = null!;

    /// <summary>Samples per step.</summary>
    [Params(64, 256)]
    public int Batch { get; set; }

    /// <summary>Loads the data and builds both trainers (the compiled one is traced and warmed on both batch sizes).</summary>
    [GlobalSetup]
    public void Setup()
    {
        (_inputs, _targets) = MnistTensors.Load().Batches(Batch);
        Generator.ManualSeed(1);
        _model = new Sequential(new Dense(128, "relu"), new Dense(10));
        _model.Call(_inputs[0]);
        _optimizer = new Adam(_model.Parameters());

        var compiledModel = new Sequential(new Dense(128, "relu"), new Dense(10));
        compiledModel.Call(_inputs[0]);
        var loss = new CrossEntropy();
        _compiled = CompiledTrainingStep.Create((x, y) => loss.Compute(compiledModel.Call(x), y),
            TensorSpec.Batched(784), TensorSpec.Batched(10), new Adam(compiledModel.Parameters(), 1e-3));
        _compiled.Step(_inputs[0], _targets[0]);
        _compiled.Step(_inputs[^1], _targets[^1]);
    }

    /// <summary>The eager loop a user writes with the NN API.</summary>
    [Benchmark(Baseline = true)]
    public void Eager()
    {
        for (int b = 0; b < _inputs.Length; b++)
        {
            _optimizer.ZeroGrad();
            _loss.Compute(_model.Call(_inputs[b]), _targets[b]).Backward();
            _optimizer.Step();
        }
    }

    /// <summary>The compiled training step.</summary>
    [Benchmark]
    public void Compiled()
    {
        for (int b = 0; b < _inputs.Length; b++)
        {
            _compiled.Step(_inputs[b], _targets[b]);
        }
    }
}
