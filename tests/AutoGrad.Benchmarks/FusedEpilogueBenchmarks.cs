using System.Collections.Immutable;
using AutoGrad.Graphs.Passes;
using AutoGrad.Ops;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Ops.Linear;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The MNIST MLP's fusable products as the compiled executor runs them (prepared kernels, float32, outputs preallocated):
/// the product followed by a separate <c>fused_elementwise</c> node as the baseline, against one <c>fused_epilogue</c>
/// node running the program as the GEMM's epilogue, and that node reading its bias row by row (one call per row, as
/// before <see cref="EpilogueLoops.RepeatRowOperands"/>). Cases: the first layer's forward <c>relu(x·W1 + b1)</c>
/// ([B,784]·[784,128]), the classifier's <c>h·W2 + b2</c> ([B,128]·[128,10]) and the ReLU gradient mask
/// <c>(dY·W2ᵀ)·sign(h)</c> ([B,10]·[128,10]ᵀ).
/// </summary>
public class FusedEpilogueBenchmarks
{
    private Tensor[] _productInputs = [];
    private Tensor[] _epilogueInputs = [];
    private Tensor[] _fusedInputs = [];
    private Tensor[] _elementwiseInputs = [];
    private Tensor _product = null!;
    private Tensor _output = null!;
    private OpKernel _matmul = null!;
    private OpKernel _elementwise = null!;
    private OpKernel _fused = null!;
    private OpKernel _fusedPerRow = null!;

    /// <summary>Rows of the product.</summary>
    [Params(64, 256)]
    public int Batch { get; set; }

    /// <summary>Which product.</summary>
    [Params("dense_relu", "classifier_bias", "relu_mask")]
    public string Case { get; set; } = "";

    /// <summary>Random operands and the three prepared kernels.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var generator = new Generator(3);
        static FusedOperand X(int i) => new(false, i);
        static FusedOperand T(int i) => new(true, i);
        MatMulOp matmul;
        ImmutableArray<FusedInstruction> program;
        if (Case == "dense_relu")
        {
            matmul = MatMulOp.Create(false, false);
            _productInputs = [Tensor.RandN([Batch, 784], generator), Tensor.RandN([784, 128], generator)];
            _epilogueInputs = [Tensor.RandN([128], generator)];
            program = [new(AddOp.Instance, [X(0), X(1)]), new(ReluOp.Instance, [T(0)])];
        }
        else if (Case == "classifier_bias")
        {
            matmul = MatMulOp.Create(false, false);
            _productInputs = [Tensor.RandN([Batch, 128], generator), Tensor.RandN([128, 10], generator)];
            _epilogueInputs = [Tensor.RandN([10], generator)];
            program = [new(AddOp.Instance, [X(0), X(1)])];
        }
        else
        {
            matmul = MatMulOp.Create(false, true);
            _productInputs = [Tensor.RandN([Batch, 10], generator), Tensor.RandN([128, 10], generator)];
            _epilogueInputs = [Tensor.RandN([Batch, 128], generator)];
            program = [new(SignOp.Instance, [X(1)]), new(MulOp.Instance, [X(0), T(0)])];
        }

        TensorType[] productTypes = [.. _productInputs.Select(t => t.Type)];
        TensorType outputType = matmul.InferType(productTypes);
        _product = new Tensor(outputType.Shape, DType.Float32);
        _output = new Tensor(outputType.Shape, DType.Float32);
        _matmul = matmul.Prepare(productTypes, outputType);
        _elementwiseInputs = [_product, .. _epilogueInputs];
        _elementwise = new FusedElementwiseOp(program).Prepare([.. _elementwiseInputs.Select(t => t.Type)], outputType);
        _fusedInputs = [.. _productInputs, .. _epilogueInputs];
        _fused = new FusedEpilogueOp(matmul, 2, program).Prepare([.. _fusedInputs.Select(t => t.Type)], outputType);
        EpilogueLoops.RepeatRowOperands = false;
        _fusedPerRow = new FusedEpilogueOp(matmul, 2, program).Prepare([.. _fusedInputs.Select(t => t.Type)], outputType);
        EpilogueLoops.RepeatRowOperands = true;
    }

    /// <summary>The product, then the elementwise node over it.</summary>
    [Benchmark(Baseline = true)]
    public void Separate()
    {
        _matmul.Run(_productInputs, _product);
        _elementwise.Run(_elementwiseInputs, _output);
    }

    /// <summary>One node: the program as the GEMM's epilogue.</summary>
    [Benchmark]
    public void Epilogue() => _fused.Run(_fusedInputs, _output);

    /// <summary>The same node reading row operands row by row.</summary>
    [Benchmark]
    public void EpiloguePerRow() => _fusedPerRow.Run(_fusedInputs, _output);
}
