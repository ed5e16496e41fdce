using System.Collections.Immutable;
using AutoGrad.Graphs.Passes;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// A fused elementwise node as the compiled executor runs it (a prepared <see cref="FusedKernel"/>, float32, output
/// preallocated): the tile path (each instruction's span kernel over 1,024-element tiles, broadcast inputs copied into
/// tiles) as the baseline, against the vector loop at its default block length and at 64 and 2,048 elements.
/// The chains: <c>relu(x·w + b)</c> with a bias row of 256 broadcast over the leading axis, and a six-op chain
/// <c>sigmoid(|x·w + b − y|·0.5)</c> with a scalar.
/// </summary>
public class FusedKernelBenchmarks
{
    private const int Columns = 256;
    private Tensor[] _inputs = [];
    private Tensor _output = null!;
    private FusedKernel _tiles = null!;
    private FusedKernel _loop = null!;
    private FusedKernel _loopBlock64 = null!;
    private FusedKernel _loopBlock2048 = null!;

    /// <summary>Output elements (1K, 64K, 1M).</summary>
    [Params(1 << 10, 1 << 16, 1 << 20)]
    public int Size { get; set; }

    /// <summary>The fused program.</summary>
    [Params("relu(x*w+b)", "6-op")]
    public string Chain { get; set; } = "";

    /// <summary>Inputs in [-1, 1) and the four kernels.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var generator = new Generator(5);
        var shape = new Shape(Size / Columns, Columns);
        Tensor Full() => Tensor.Uniform(shape, -1, 1, generator);
        Tensor bias = Tensor.Uniform([Columns], -1, 1, generator);
        static FusedOperand X(int i) => new(false, i);
        static FusedOperand T(int i) => new(true, i);
        ImmutableArray<FusedInstruction> program;
        if (Chain == "6-op")
        {
            _inputs = [Full(), Full(), bias, Full(), Tensor.Scalar(0.5f)];
            program =
            [
                new(MulOp.Instance, [X(0), X(1)]), new(AddOp.Instance, [T(0), X(2)]), new(SubOp.Instance, [T(1), X(3)]),
                new(AbsOp.Instance, [T(2)]), new(MulOp.Instance, [T(3), X(4)]), new(SigmoidOp.Instance, [T(4)]),
            ];
        }
        else
        {
            _inputs = [Full(), Full(), bias];
            program = [new(MulOp.Instance, [X(0), X(1)]), new(AddOp.Instance, [T(0), X(2)]), new(ReluOp.Instance, [T(1)])];
        }

        _output = new Tensor(shape, DType.Float32);
        TensorType[] types = [.. _inputs.Select(t => t.Type)];
        _tiles = new FusedKernel(program, types, _output.Type, tiles: true);
        _loop = new FusedKernel(program, types, _output.Type);
        _loopBlock64 = new FusedKernel(program, types, _output.Type, blockSize: 64);
        _loopBlock2048 = new FusedKernel(program, types, _output.Type, blockSize: 2048);
    }

    /// <summary>The tile path: one span-kernel call per instruction per tile.</summary>
    [Benchmark(Baseline = true)]
    public void Tiles() => _tiles.Execute(_inputs, _output);

    /// <summary>The vector loop at its default block length.</summary>
    [Benchmark]
    public void Loop() => _loop.Execute(_inputs, _output);

    /// <summary>The vector loop with 64-element blocks (more calls, everything in registers' reach).</summary>
    [Benchmark]
    public void LoopBlock64() => _loopBlock64.Execute(_inputs, _output);

    /// <summary>The vector loop with 2,048-element blocks.</summary>
    [Benchmark]
    public void LoopBlock2048() => _loopBlock2048.Execute(_inputs, _output);
}
