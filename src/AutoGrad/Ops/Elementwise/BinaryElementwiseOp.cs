using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Elementwise;

/// <summary>
/// Base for elementwise ops on two operands with NumPy broadcasting. Subclasses give three span kernels
/// (vector-vector, vector-scalar, scalar-vector); the broadcast walk feeds them whole contiguous chunks. The operands
/// are first brought to one dtype by PyTorch's type promotion (<see cref="DTypeExtensions.Promote"/>); ops defined on
/// integers also give <see cref="IntegerFunction"/>.
/// </summary>
public abstract class BinaryElementwiseOp : Op
{
    /// <summary>True: the broadcasting driver hands every output element to one of the three kernels.</summary>
    protected internal override bool ForwardWritesEveryElement => true;

    /// <summary>Both operands are promoted to one dtype before the op runs.</summary>
    internal override int? PromotedFrom => 0;

    /// <summary>Whether the op is defined on integer tensors (then it gives <see cref="IntegerFunction"/>).</summary>
    internal virtual bool IsDefinedOnIntegers => false;

    /// <summary>Whether the op is defined on boolean tensors too (computed on 0/1 and narrowed back to "not zero").</summary>
    internal virtual bool IsDefinedOnBool => false;

    /// <inheritdoc/>
    protected internal override bool AcceptsDType(int input, DType dtype) =>
        dtype.IsFloatingPoint() || (dtype.IsInteger() ? IsDefinedOnIntegers : IsDefinedOnBool);

    /// <summary>The op on one pair of 64-bit integers (booleans as 0/1); the result is narrowed to the output dtype.</summary>
    internal virtual long IntegerFunction(long x, long y) => throw new NotSupportedException($"{Name} is not defined on integers.");

    /// <summary>Elementwise with broadcasting: example j of the output reads example j of each per-example operand.</summary>
    public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
        BatchDependence.Elementwise(inputs, inputTypes, output);

    /// <inheritdoc/>
    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        DType dtype = ShapeChecks.SameDType(Name, inputs[0], inputs[1]);
        return new TensorType(ShapeChecks.Broadcast(Name, inputs[0].Shape, inputs[1].Shape), dtype);
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => Run(inputs[0], inputs[1], output, null, null);

    /// <summary>With general broadcasting the walk over the operands is worked out once, for every run.</summary>
    public override OpKernel Prepare(ReadOnlySpan<TensorType> inputs, TensorType output)
    {
        int size = output.Shape.Size;
        int a = inputs[0].Shape.Size, b = inputs[1].Shape.Size;
        if ((a == size || a == 1) && (b == size || b == 1))
        {
            return base.Prepare(inputs, output);
        }

        var walk = new BroadcastWalk(output.Shape, inputs[0].Shape, inputs[1].Shape);
        return new WalkKernel(this, walk);
    }

    private void Run(Tensor a, Tensor b, Tensor output, BroadcastWalk? walk, int[]? scratch)
    {
        if (!a.DType.IsFloatingPoint() || output.DType != a.DType)
        {
            RunWithoutFloatKernels(a, b, output, walk, scratch);
        }
        else if (output.DType == DType.Float32)
        {
            Run<float>(a, b, output, walk, scratch);
        }
        else
        {
            Run<double>(a, b, output, walk, scratch);
        }
    }

    /// <summary>
    /// The path for integer and boolean operands (and for ops whose output dtype differs from the operands'):
    /// computes <see cref="IntegerFunction"/> in 64-bit integers over the broadcast operands and narrows the result.
    /// </summary>
    /// <param name="a">The first operand.</param>
    /// <param name="b">The second operand.</param>
    /// <param name="output">Where the result goes.</param>
    /// <param name="walk">The prepared broadcast walk, or null (eager, or no general broadcasting).</param>
    /// <param name="scratch">The walk's prepared cursor storage, or null.</param>
    private protected virtual void RunWithoutFloatKernels(Tensor a, Tensor b, Tensor output, BroadcastWalk? walk, int[]? scratch)
    {
        ReadOnlySpan<long> x = Expanded<long>(Cast.ToInt64(a), a.Shape, output.Shape);
        ReadOnlySpan<long> y = Expanded<long>(Cast.ToInt64(b), b.Shape, output.Shape);
        var result = new long[output.Size];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = IntegerFunction(x[x.Length == 1 ? 0 : i], y[y.Length == 1 ? 0 : i]);
        }

        Cast.Convert(result, output);
    }

    /// <summary>The operand itself when it has the output's size or is a single element, else broadcast to the output shape (a new array); the loops index a single element as such.</summary>
    private protected static ReadOnlySpan<T> Expanded<T>(ReadOnlySpan<T> x, Shape from, Shape to)
        where T : unmanaged
    {
        if (x.Length == to.Size || x.Length == 1)
        {
            return x;
        }

        var expanded = new T[to.Size];
        Select.Expand<T>(x, from, expanded, to);
        return expanded;
    }

    /// <summary>destination[i] = f(x[i], y[i]).</summary>
    protected abstract void VectorVector<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>destination[i] = f(x[i], y).</summary>
    protected abstract void VectorScalar<T>(ReadOnlySpan<T> x, T y, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>destination[i] = f(x, y[i]).</summary>
    protected abstract void ScalarVector<T>(T x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    private void Run<T>(Tensor a, Tensor b, Tensor output, BroadcastWalk? walk, int[]? scratch)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> x = a.AsSpan<T>();
        ReadOnlySpan<T> y = b.AsSpan<T>();
        Span<T> d = output.AsSpan<T>();
        if (x.Length == d.Length && y.Length == d.Length)
        {
            VectorVector(x, y, d);
            return;
        }

        if (y.Length == 1 && x.Length == d.Length)
        {
            VectorScalar(x, y[0], d);
            return;
        }

        if (x.Length == 1 && y.Length == d.Length)
        {
            ScalarVector(x[0], y, d);
            return;
        }

        walk ??= new BroadcastWalk(output.Shape, a.Shape, b.Shape);
        var cursor = scratch is null ? walk.Start() : walk.Start(scratch);
        int chunk = walk.Chunk;
        for (int c = 0, offset = 0; c < walk.Count; c++, offset += chunk, cursor.Next())
        {
            Span<T> dst = d.Slice(offset, chunk);
            if (walk.AFull && walk.BFull)
            {
                VectorVector(x.Slice(cursor.OffsetA, chunk), y.Slice(cursor.OffsetB, chunk), dst);
            }
            else if (walk.AFull)
            {
                VectorScalar(x.Slice(cursor.OffsetA, chunk), y[cursor.OffsetB], dst);
            }
            else
            {
                ScalarVector(x[cursor.OffsetA], y.Slice(cursor.OffsetB, chunk), dst);
            }
        }
    }

    /// <summary>The op's own broadcasting kernel with its walk and cursor prepared.</summary>
    private sealed class WalkKernel(BinaryElementwiseOp op, BroadcastWalk walk) : OpKernel
    {
        private readonly int[] scratch = new int[walk.OuterRank];

        public override void Run(ReadOnlySpan<Tensor> inputs, Tensor output) => op.Run(inputs[0], inputs[1], output, walk, scratch);
    }
}
