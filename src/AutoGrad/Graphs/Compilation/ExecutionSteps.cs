using System.Collections.Immutable;
using System.Numerics;
using AutoGrad.Graphs.Passes;
using AutoGrad.Kernels;
using AutoGrad.Ops;
using AutoGrad.Ops.Linear;
using AutoGrad.Ops.Reductions;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Compilation;

/// <summary>One node of a compiled plan. Steps get their argument tensors through an array the plan refreshes on each call
/// (graph inputs change between calls); everything else is bound when the plan is built, so executing allocates nothing.</summary>
internal abstract class ExecutionStep
{
    protected ExecutionStep(Tensor[] arguments, Tensor output)
    {
        Arguments = arguments;
        Output = output;
    }

    /// <summary>The argument tensors; entries that are graph inputs are rebound on every call.</summary>
    public Tensor[] Arguments { get; }

    public Tensor Output { get; }

    public abstract void Execute();
}

/// <summary>Any op, through its own forward (which may allocate scratch space).</summary>
internal sealed class OpStep(Op op, Tensor[] arguments, Tensor output) : ExecutionStep(arguments, output)
{
    public override void Execute() => op.Forward(Arguments, Output);
}

/// <summary>Elementwise ops (fused or single) through a preallocated tiled kernel.</summary>
internal sealed class FusedStep : ExecutionStep
{
    private readonly FusedKernel kernel;

    public FusedStep(ImmutableArray<FusedInstruction> program, Tensor[] arguments, Tensor output)
        : base(arguments, output) => kernel = new FusedKernel(program, [.. arguments.Select(a => a.Type)], output.Type);

    public override void Execute() => kernel.Execute(Arguments, Output);
}

/// <summary>A copy (a reshape of a graph input, parameter or constant, which cannot be aliased) or a broadcast.</summary>
internal sealed class GatherStep : ExecutionStep
{
    private readonly BroadcastGather gather;

    public GatherStep(Tensor[] arguments, Tensor output)
        : base(arguments, output) =>
        gather = new BroadcastGather(arguments[0].Size == output.Size ? output.Shape : arguments[0].Shape, output.Shape);

    public override void Execute()
    {
        if (Output.DType == DType.Float32)
        {
            gather.Read<float>(Arguments[0].AsSpan<float>(), 0, Output.AsSpan<float>());
        }
        else
        {
            gather.Read<double>(Arguments[0].AsSpan<double>(), 0, Output.AsSpan<double>());
        }
    }
}

/// <summary>A 2-D matrix product straight into the GEMM kernel; a transposed right operand is packed into a buffer owned by the step.</summary>
internal sealed class MatMulStep : ExecutionStep
{
    private readonly bool transposeA;
    private readonly bool transposeB;
    private readonly int m;
    private readonly int n;
    private readonly int k;
    private readonly Array? packed;

    public MatMulStep(MatMulOp op, Tensor[] arguments, Tensor output)
        : base(arguments, output)
    {
        transposeA = op.TransposeA;
        transposeB = op.TransposeB;
        m = output.Shape[0];
        n = output.Shape[1];
        k = transposeA ? arguments[0].Shape[0] : arguments[0].Shape[1];
        if (transposeB)
        {
            packed = output.DType == DType.Float32 ? new float[k * n] : new double[k * n];
        }
    }

    public static bool Supports(MatMulOp op, Tensor[] arguments) => arguments[0].Rank == 2 && arguments[1].Rank == 2;

    public override void Execute()
    {
        if (Output.DType == DType.Float32)
        {
            Run<float>();
        }
        else
        {
            Run<double>();
        }
    }

    private void Run<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Tensor a = Arguments[0], b = Arguments[1];
        ReadOnlySpan<T> right = b.AsSpan<T>();
        int ldb = b.Shape[1];
        if (transposeB)
        {
            // B is n×k; pack it as k×n so the kernel needs no scratch of its own.
            var buffer = (T[])packed!;
            for (int j = 0; j < n; j++)
            {
                for (int p = 0; p < k; p++)
                {
                    buffer[(p * n) + j] = right[(j * ldb) + p];
                }
            }

            right = buffer;
            ldb = n;
        }

        Gemm.Multiply(a.AsSpan<T>(), a.Shape[1], transposeA, right, ldb, false, Output.AsSpan<T>(), n, m, n, k, accumulate: false);
    }
}

/// <summary>A reduction over a contiguous run of axes, viewed as (outer, n, inner) and reduced in one kernel call.</summary>
internal sealed class ReduceStep : ExecutionStep
{
    private readonly ReduceKind kind;
    private readonly int outer;
    private readonly int extent;
    private readonly int inner;

    public ReduceStep(ReductionOp op, Tensor[] arguments, Tensor output)
        : base(arguments, output)
    {
        kind = op.Kind;
        Shape shape = arguments[0].Shape;
        int first = op.Axes[0], last = op.Axes[^1];
        outer = 1;
        extent = 1;
        inner = 1;
        for (int i = 0; i < shape.Rank; i++)
        {
            if (i < first)
            {
                outer *= shape[i];
            }
            else if (i > last)
            {
                inner *= shape[i];
            }
            else
            {
                extent *= shape[i];
            }
        }
    }

    public static bool Supports(ReductionOp op) =>
        op is ReduceSumOp or ReduceMaxOp or ReduceMinOp
        && op.Axes.Length > 0 && op.Axes[^1] - op.Axes[0] == op.Axes.Length - 1 && (op.Kind == ReduceKind.Sum || op.Axes.Length == 1);

    public override void Execute()
    {
        if (Output.DType == DType.Float32)
        {
            Reduce.Axis(kind, Arguments[0].AsSpan<float>(), Output.AsSpan<float>(), outer, extent, inner);
        }
        else
        {
            Reduce.Axis(kind, Arguments[0].AsSpan<double>(), Output.AsSpan<double>(), outer, extent, inner);
        }
    }
}
