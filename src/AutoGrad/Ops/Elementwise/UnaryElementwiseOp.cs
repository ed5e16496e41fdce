using System.Numerics;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Elementwise;

/// <summary>Base for ops that map each element on its own: the output has the input's type.</summary>
public abstract class UnaryElementwiseOp : Op
{
    /// <summary>True: every element of the output is computed from its input element.</summary>
    protected internal override bool ForwardWritesEveryElement => true;

    /// <inheritdoc/>
    public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => inputs[0];

    /// <summary>Whether the op is defined on integer tensors (then it gives <see cref="IntegerFunction"/>); never on bool.</summary>
    internal virtual bool IsDefinedOnIntegers => false;

    /// <inheritdoc/>
    protected internal override bool AcceptsDType(int input, DType dtype) => dtype.IsFloatingPoint() || (dtype.IsInteger() && IsDefinedOnIntegers);

    /// <summary>The op on one 64-bit integer; the result is narrowed to the output dtype.</summary>
    internal virtual long IntegerFunction(long x) => throw new NotSupportedException($"{Name} is not defined on integers.");

    /// <summary>Elementwise: example j of the output is computed from example j of the input.</summary>
    public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
        BatchDependence.Elementwise(inputs, inputTypes, output);

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        if (!output.DType.IsFloatingPoint())
        {
            // Integers: computed in 64 bits and narrowed, so one definition serves i64, i32 and u8.
            long[] x = Kernels.Cast.ToInt64(inputs[0]);
            var result = new long[output.Size];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = IntegerFunction(x[i]);
            }

            Kernels.Cast.Convert(result, output);
        }
        else if (output.DType == DType.Float32)
        {
            Compute<float>(inputs[0].AsSpan<float>(), output.AsSpan<float>());
        }
        else
        {
            Compute<double>(inputs[0].AsSpan<double>(), output.AsSpan<double>());
        }
    }

    /// <summary>The kernel: usually one TensorPrimitives call.</summary>
    protected abstract void Compute<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;
}
