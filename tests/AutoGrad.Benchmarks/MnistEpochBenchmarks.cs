using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// One epoch (60,000 samples, in order) of the 784-128(ReLU)-10 MLP with cross-entropy on logits and Adam (lr 1e-3):
/// the eager NN API (ZeroGrad, forward, Backward, Step) as baseline, and the same step traced and compiled with
/// <see cref="CompiledTrainingStep"/> — as it chooses by default (<see cref="DataParallel.Auto"/>: whole at these sizes,
/// where the MLP does too little work per weight) and with each batch split across the two cores
/// (<see cref="DataParallel.On"/>). Real MNIST when examples/Mnist/data is present (else synthetic data).
/// </summary>
public class MnistEpochBenchmarks
{
    private Tensor[] _inputs = [];
    private Tensor[] _targets = [];
    private Tensor _images = null!;
    private Tensor _oneHot = null!;
    private Sequential _model = null!;
    private Adam _optimizer = null!;
    private readonly CrossEntropy _loss = new();
    private CompiledTrainingStep _compiled = null!;
    private CompiledTrainingStep _compiledSplit = null!;
    private Sequential _fitModel = null!;

    /// <summary>Samples per step.</summary>
    [Params(64, 256)]
    public int Batch { get; set; }

    /// <summary>Loads the data and builds both trainers (the compiled one is traced and warmed on both batch sizes).</summary>
    [GlobalSetup]
    public void Setup()
    {
        MnistTensors data = MnistTensors.Load();
        (_inputs, _targets) = data.Batches(Batch);
        (_images, _oneHot) = (data.Images, data.OneHot);
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

        var splitModel = new Sequential(new Dense(128, "relu"), new Dense(10));
        splitModel.Call(_inputs[0]);
        _compiledSplit = CompiledTrainingStep.Create((x, y) => loss.Compute(splitModel.Call(x), y),
            TensorSpec.Batched(784), TensorSpec.Batched(10), new Adam(splitModel.Parameters(), 1e-3), DataParallel.On);
        _compiledSplit.Step(_inputs[0], _targets[0]);
        _compiledSplit.Step(_inputs[^1], _targets[^1]);

        _fitModel = new Sequential(new Dense(128, "relu"), new Dense(10));
        _fitModel.Build(new Shape(784));
        _fitModel.Compile(new Adam(_fitModel, 1e-3), new CrossEntropy(), jit: true);
        _fitModel.ProgressOutput = TextWriter.Null;
        _fitModel.Fit(_inputs[0], _targets[0], epochs: 1, batchSize: Batch, shuffle: false, verbose: Verbosity.Silent);
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

    /// <summary>The compiled training step as it chooses (<see cref="DataParallel.Auto"/>).</summary>
    [Benchmark]
    public void Compiled()
    {
        for (int b = 0; b < _inputs.Length; b++)
        {
            _compiled.Step(_inputs[b], _targets[b]);
        }
    }

    /// <summary>The compiled training step with every batch split across the two cores (<see cref="DataParallel.On"/>).</summary>
    [Benchmark]
    public void CompiledSplit()
    {
        for (int b = 0; b < _inputs.Length; b++)
        {
            _compiledSplit.Step(_inputs[b], _targets[b]);
        }
    }

    /// <summary>The same epoch through <c>Fit</c> with <c>jit: true</c> (batching by the data loader, no shuffling, no metrics):
    /// what Fit adds on top of the raw compiled loop.</summary>
    [Benchmark]
    public void FitJit() => _fitModel.Fit(_images, _oneHot, epochs: 1, batchSize: Batch, shuffle: false, verbose: Verbosity.Silent);
}
