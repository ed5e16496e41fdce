using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The classic NumPy-from-scratch MNIST model, 784-10(ReLU)-10 with softmax cross-entropy, trained by full-batch
/// gradient descent (lr 0.1) on all 60,000 samples: one iteration = forward, backward and update. Eager (the baseline),
/// then the same step traced with <see cref="CompiledTrainingStep"/> as a user would: as it chooses by default
/// (<see cref="DataParallel.Auto"/>: row blocks small enough to stay in cache, over both cores) and whole
/// (<see cref="DataParallel.Off"/>: one compiled graph over the 60,000 rows). Compare each with 2 × 188 MB ÷ the read
/// bandwidth that <c>MachineLimitsBenchmarks</c> measures in the same run.
/// </summary>
public class TutorialModelBenchmarks
{
    private Tensor _x = null!;
    private Tensor _y = null!;
    private Tensor _w1 = null!;
    private Tensor _b1 = null!;
    private Tensor _w2 = null!;
    private Tensor _b2 = null!;
    private Sgd _optimizer = null!;
    private CompiledTrainingStep _blocked = null!;
    private CompiledTrainingStep _whole = null!;

    /// <summary>The whole training set and the parameters (uniform in [-0.5, 0.5), as the tutorial initializes them).</summary>
    [GlobalSetup]
    public void Setup()
    {
        MnistTensors data = MnistTensors.Load();
        (_x, _y) = (data.Images, data.OneHot);
        var generator = new Generator(5);
        _w1 = Tensor.Uniform([784, 10], -0.5, 0.5, generator).RequireGrad();
        _b1 = Tensor.Uniform([10], -0.5, 0.5, generator).RequireGrad();
        _w2 = Tensor.Uniform([10, 10], -0.5, 0.5, generator).RequireGrad();
        _b2 = Tensor.Uniform([10], -0.5, 0.5, generator).RequireGrad();
        (_w1.Name, _b1.Name, _w2.Name, _b2.Name) = ("w1", "b1", "w2", "b2");
        _optimizer = new Sgd([_w1, _b1, _w2, _b2], learningRate: 0.1);
        _blocked = CompiledTrainingStep.Create(Loss, TensorSpec.Batched(784), TensorSpec.Batched(10), new Sgd([_w1, _b1, _w2, _b2], 0.1));
        _whole = CompiledTrainingStep.Create(Loss, TensorSpec.Batched(784), TensorSpec.Batched(10), new Sgd([_w1, _b1, _w2, _b2], 0.1),
            DataParallel.Off);
        Console.WriteLine($"// tutorial: {_blocked.RowBlocks(60_000)} row blocks of ~{60_000 / _blocked.RowBlocks(60_000)} rows; real MNIST: {data.IsReal}");
    }

    /// <summary>One gradient-descent iteration over the full batch, eager.</summary>
    [Benchmark(Baseline = true)]
    public void Iteration()
    {
        _optimizer.ZeroGrad();
        Tensor logits = _x.MatMul(_w1).Add(_b1).Relu().MatMul(_w2).Add(_b2);
        Tensor loss = _y.Mul(logits.LogSoftmax(-1)).Sum(-1).Mean().Neg();
        loss.Backward();
        _optimizer.Step();
    }

    /// <summary>The same iteration compiled, in row blocks over both cores (the default choice).</summary>
    [Benchmark]
    public double Compiled() => _blocked.Step(_x, _y);

    /// <summary>The same iteration compiled as one graph over the whole batch.</summary>
    [Benchmark]
    public double CompiledWhole() => _whole.Step(_x, _y);

    private Tensor Loss(Tensor x, Tensor y)
    {
        Tensor logits = x.MatMul(_w1).Add(_b1).Relu().MatMul(_w2).Add(_b2);
        return y.Mul(logits.LogSoftmax(-1)).Sum(-1).Mean().Neg();
    }
}
