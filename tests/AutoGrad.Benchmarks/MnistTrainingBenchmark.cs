using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// A model training on the first <see cref="BatchCount"/> batches of 128 real MNIST images with cross-entropy and Adam:
/// the eager NN loop (ZeroGrad, forward, Backward, Step) as baseline, and the same step compiled with
/// <see cref="CompiledTrainingStep"/> (what the example's default <c>--execution jit</c> runs inside <c>Fit</c>). The
/// epoch benchmarks differ only in the model, the batch count and the input's shape.
/// </summary>
public abstract class MnistTrainingBenchmark
{
    /// <summary>Images per mini-batch, as in the examples and the issues' PyTorch figures.</summary>
    public const int BatchSize = 128;

    private Tensor[] _inputs = [];
    private Tensor[] _targets = [];
    private Sequential _model = null!;
    private Adam _optimizer = null!;
    private readonly CrossEntropy _loss = new();
    private CompiledTrainingStep _compiled = null!;

    /// <summary>Mini-batches per invocation.</summary>
    protected abstract int BatchCount { get; }

    /// <summary>One example's shape as the model takes it (<c>[784]</c>, or <c>[1, 28, 28]</c> for a CNN).</summary>
    protected abstract int[] ExampleShape { get; }

    /// <summary>A fresh, unbuilt model.</summary>
    protected abstract Sequential CreateModel();

    /// <summary>Takes the batches and builds both trainers (the compiled one is traced and warmed once).</summary>
    [GlobalSetup]
    public void Setup()
    {
        (Tensor[] inputs, Tensor[] targets) = MnistTensors.Load().Batches(BatchSize);
        _inputs = inputs[..BatchCount].Select(x => x.Reshape([x.Shape[0], .. ExampleShape])).ToArray();
        _targets = targets[..BatchCount];

        Generator.ManualSeed(1);
        _model = CreateModel();
        _model.Call(_inputs[0]);
        _optimizer = new Adam(_model.Parameters());

        Sequential compiledModel = CreateModel();
        compiledModel.Call(_inputs[0]);
        var loss = new CrossEntropy();
        _compiled = CompiledTrainingStep.Create((x, y) => loss.Compute(compiledModel.Call(x), y),
            new TensorSpec([Dim.B, .. ExampleShape.Select(d => (Dim)d)]), TensorSpec.Batched(10), new Adam(compiledModel.Parameters(), 1e-3));
        _compiled.Step(_inputs[0], _targets[0]);
        SetupMore();
    }

    /// <summary>Extra setup of a derived benchmark, run at the end of <see cref="Setup"/>.</summary>
    protected virtual void SetupMore()
    {
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
    public void Jit()
    {
        for (int b = 0; b < _inputs.Length; b++)
        {
            _compiled.Step(_inputs[b], _targets[b]);
        }
    }
}
