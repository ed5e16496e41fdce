using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// Forward and backward through a chain of 100 ops on 1-element tensors (a repeating mul, add, tanh pattern with
/// tensor operands), reported per op: the tape's cost per node (node recording, the reverse walk, gradient rules).
/// </summary>
public class BackwardChainBenchmarks
{
    private const int Ops = 100;
    private readonly Tensor _scale = Tensor.FromArray([0.9f], 1);
    private readonly Tensor _shift = Tensor.FromArray([0.1f], 1);
    private Tensor _x = null!;

    /// <summary>The leaf that requires grad.</summary>
    [GlobalSetup]
    public void Setup() => _x = Tensor.FromArray([0.5f], 1).RequireGrad();

    /// <summary>Builds the chain, runs Backward, clears the gradient.</summary>
    [Benchmark(OperationsPerInvoke = Ops)]
    public double ForwardBackward()
    {
        Tensor y = _x;
        for (int i = 0; i < Ops; i++)
        {
            y = (i % 3) switch
            {
                0 => y * _scale,
                1 => y + _shift,
                _ => y.Tanh(),
            };
        }

        y.Backward();
        double grad = _x.Grad!.ItemDouble();
        _x.ZeroGrad();
        return grad;
    }
}
