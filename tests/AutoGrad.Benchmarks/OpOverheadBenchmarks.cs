using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The fixed cost of one eager op: <c>a + b</c> on 1-element float tensors that do not require grad (type inference,
/// output allocation, kernel dispatch, no tape node).
/// </summary>
public class OpOverheadBenchmarks
{
    private readonly Tensor _a = Tensor.FromArray([1.5f], 1);
    private readonly Tensor _b = Tensor.FromArray([2.5f], 1);

    /// <summary>One addition through the public operator.</summary>
    [Benchmark]
    public Tensor Add() => _a + _b;
}
