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
/// One training step of the 784-128-10 MLP at batch 64, eager (baseline) and compiled; the memory diagnoser's
/// Allocated column is the managed bytes per step after warm-up (target for the compiled step: 0 B).
/// </summary>
public class CompiledStepBenchmarks
{
    private Tensor _input = null!;
    private Tensor _target = null!;
    private Sequential _model = null!;
    private Adam _optimizer = null!;
    private readonly CrossEntropy _loss = new();
    private CompiledTrainingStep _compiled = null!;

    /// <summary>One batch of 64 and both trainers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (Tensor[] inputs, Tensor[] targets) = MnistTensors.Load().Batches(64);
        (_input, _target) = (inputs[0], targets[0]);
        Generator.ManualSeed(1);
        _model = new Sequential(new Dense(128, "relu"), new Dense(10));
        _model.Call(_input);
        _optimizer = new Adam(_model.Parameters());
        var compiledModel = new Sequential(new Dense(128, "relu"), new Dense(10));
        compiledModel.Call(_input);
        var loss = new CrossEntropy();
        _compiled = CompiledTrainingStep.Create((x, y) => loss.Compute(compiledModel.Call(x), y),
            TensorSpec.Batched(784), TensorSpec.Batched(10), new Adam(compiledModel.Parameters(), 1e-3));
        _compiled.Step(_input, _target);
    }

    /// <summary>ZeroGrad, forward, Backward, Adam step.</summary>
    [Benchmark(Baseline = true)]
    public void EagerStep()
    {
        _optimizer.ZeroGrad();
        _loss.Compute(_model.Call(_input), _target).Backward();
        _optimizer.Step();
    }

    /// <summary>The compiled step.</summary>
    [Benchmark]
    public double CompiledStep() => _compiled.Step(_input, _target);
}
