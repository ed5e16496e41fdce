using AutoGrad.Examples.Mnist;
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
/// Issue 14's sequence models training on MNIST — the example's <c>lstm</c> (rows as 28 steps, Lstm(128)-Dense(10)) and
/// <c>transformer</c> (rows as 28 tokens, two encoder blocks), built by <see cref="MnistModels.Create"/> so they are
/// exactly what <c>--model</c> trains — with cross-entropy and Adam (lr 1e-3) at batch 128: the eager NN loop
/// (ZeroGrad, forward, Backward, Step) as baseline, and the same step compiled with <see cref="CompiledTrainingStep"/>.
/// <c>mlp-128</c> (784-128(ReLU)-10, <see cref="MnistEpochBenchmarks"/>' model) runs the same batches as a yardstick.
/// </summary>
/// <remarks>
/// A full epoch of the sequence models takes a minute or more here, too long for BenchmarkDotNet's repeated
/// invocations, so each invocation trains on the first <see cref="Batches"/> batches of 128 real MNIST images (the
/// same ones every time): one epoch of 60,000 images is <see cref="EpochScale"/> (≈ 23.4) invocations.
/// </remarks>
public class SequenceEpochBenchmarks
{
    /// <summary>Mini-batches per invocation.</summary>
    public const int Batches = 20;

    /// <summary>Images per mini-batch, as in the PyTorch figures.</summary>
    public const int BatchSize = 128;

    /// <summary>Invocations per epoch of 60,000 images: 469 batches (the last one 96 images) over <see cref="Batches"/>.</summary>
    public const double EpochScale = 60000.0 / (Batches * BatchSize);

    private Tensor[] _inputs = [];
    private Tensor[] _targets = [];
    private Sequential _model = null!;
    private Adam _optimizer = null!;
    private readonly CrossEntropy _loss = new();
    private CompiledTrainingStep _compiled = null!;

    /// <summary>Which model trains.</summary>
    [Params("mlp-128", "lstm", "transformer")]
    public string Model { get; set; } = "lstm";

    /// <summary>Takes the batches and builds both trainers (the compiled one is traced and warmed once).</summary>
    [GlobalSetup]
    public void Setup()
    {
        (Tensor[] inputs, Tensor[] targets) = MnistTensors.Load().Batches(BatchSize);
        (_inputs, _targets) = (inputs[..Batches], targets[..Batches]);

        Generator.ManualSeed(1);
        _model = Create();
        _model.Call(_inputs[0]);
        _optimizer = new Adam(_model.Parameters());

        Sequential compiledModel = Create();
        compiledModel.Call(_inputs[0]);
        var loss = new CrossEntropy();
        _compiled = CompiledTrainingStep.Create((x, y) => loss.Compute(compiledModel.Call(x), y),
            TensorSpec.Batched(784), TensorSpec.Batched(10), new Adam(compiledModel.Parameters(), 1e-3));
        _compiled.Step(_inputs[0], _targets[0]);
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

    /// <summary>The compiled training step (what the example's default <c>--execution jit</c> runs inside <c>Fit</c>).</summary>
    [Benchmark]
    public void Jit()
    {
        for (int b = 0; b < _inputs.Length; b++)
        {
            _compiled.Step(_inputs[b], _targets[b]);
        }
    }

    private Sequential Create() => Model == "mlp-128"
        ? new Sequential(new Dense(128, "relu"), new Dense(10))
        : MnistModels.Create(MnistModels.Get(Model));
}
