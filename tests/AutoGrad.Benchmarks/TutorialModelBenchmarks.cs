using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The classic NumPy-from-scratch MNIST model, 784-10(ReLU)-10 with softmax cross-entropy, trained by full-batch
/// gradient descent (lr 0.1) on all 60,000 samples: one iteration = forward, backward and update, eager.
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
        _optimizer = new Sgd([_w1, _b1, _w2, _b2], learningRate: 0.1);
    }

    /// <summary>One gradient-descent iteration over the full batch.</summary>
    [Benchmark]
    public void Iteration()
    {
        _optimizer.ZeroGrad();
        Tensor logits = _x.MatMul(_w1).Add(_b1).Relu().MatMul(_w2).Add(_b2);
        Tensor loss = _y.Mul(logits.LogSoftmax(-1)).Sum(-1).Mean().Neg();
        loss.Backward();
        _optimizer.Step();
    }
}
