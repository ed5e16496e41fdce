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
/// XOR with a 2-3-1 tanh network, mean-squared error and per-sample SGD (lr 0.1): 1000 epochs of the 4 samples =
/// 4000 steps per invocation, reported per step. Eager NN API as baseline, the compiled training step, and the compiled
/// step with its fused elementwise nodes forced onto the tile path (what they ran before the vector loop).
/// </summary>
public class XorTrainingBenchmarks
{
    private const int Steps = 4000;
    private readonly Tensor[] _inputs = [.. new float[][] { [0, 0], [0, 1], [1, 0], [1, 1] }.Select(r => Tensor.FromArray(r, 1, 2))];
    private readonly Tensor[] _targets = [.. new float[] { 0, 1, 1, 0 }.Select(v => Tensor.FromArray([v], 1, 1))];
    private readonly MeanSquaredError _loss = new();
    private Sequential _model = null!;
    private Sgd _optimizer = null!;
    private CompiledTrainingStep _compiled = null!;
    private CompiledTrainingStep _compiledTiles = null!;

    /// <summary>Builds both networks.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Generator.ManualSeed(3);
        _model = new Sequential(new Dense(3, "tanh"), new Dense(1, "tanh"));
        _model.Call(_inputs[0]);
        _optimizer = new Sgd(_model.Parameters(), learningRate: 0.1);
        var compiledModel = new Sequential(new Dense(3, "tanh"), new Dense(1, "tanh"));
        compiledModel.Call(_inputs[0]);
        var loss = new MeanSquaredError();
        _compiled = CompiledTrainingStep.Create((x, y) => loss.Compute(compiledModel.Call(x), y),
            TensorSpec.Batched(2), TensorSpec.Batched(1), new Sgd(compiledModel.Parameters(), learningRate: 0.1));
        _compiled.Step(_inputs[0], _targets[0]);
        _compiledTiles = CompileWithTiles();
    }

    private CompiledTrainingStep CompileWithTiles()
    {
        Generator.ManualSeed(3);
        var model = new Sequential(new Dense(3, "tanh"), new Dense(1, "tanh"));
        model.Call(_inputs[0]);
        var loss = new MeanSquaredError();
        AutoGrad.Graphs.Passes.FusedElementwiseOp.PrepareTiles = true;
        try
        {
            var step = CompiledTrainingStep.Create((x, y) => loss.Compute(model.Call(x), y),
                TensorSpec.Batched(2), TensorSpec.Batched(1), new Sgd(model.Parameters(), learningRate: 0.1));
            step.Step(_inputs[0], _targets[0]);
            return step;
        }
        finally
        {
            AutoGrad.Graphs.Passes.FusedElementwiseOp.PrepareTiles = false;
        }
    }

    /// <summary>Eager: ZeroGrad, forward, Backward, SGD step.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public void Eager()
    {
        for (int s = 0; s < Steps; s++)
        {
            _optimizer.ZeroGrad();
            _loss.Compute(_model.Call(_inputs[s & 3]), _targets[s & 3]).Backward();
            _optimizer.Step();
        }
    }

    /// <summary>The compiled step.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public void Compiled()
    {
        for (int s = 0; s < Steps; s++)
        {
            _compiled.Step(_inputs[s & 3], _targets[s & 3]);
        }
    }

    /// <summary>The compiled step with fused nodes on the tile path.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public void CompiledTiles()
    {
        for (int s = 0; s < Steps; s++)
        {
            _compiledTiles.Step(_inputs[s & 3], _targets[s & 3]);
        }
    }
}
