using AutoGrad.Ops.Elementwise;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// Converts every element to another dtype (<c>convert_element_type</c> in JAX, <c>.to(dtype)</c> in PyTorch): floating
    /// point to integer truncates toward zero, anything to bool is "not zero", bool to a number is 0 or 1.
    /// Gradient: between floating-point dtypes the incoming gradient converted back; none into or out of integers.
    /// </summary>
    internal sealed class CastOp(DType dtype) : Op
    {
        public override string Name => "cast";

        /// <summary>The target dtype.</summary>
        public DType DType { get; } = dtype;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("dtype", DType)];

        public override SavedValues Saves => SavedValues.None;

        protected internal override bool ForwardWritesEveryElement => true;

        protected internal override bool AcceptsDType(int input, DType dtype) => true;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => inputs[0] with { DType = DType };

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => Kernels.Cast.Convert(inputs[0], output);

        public override Tensor?[] Backward(GradientContext context)
        {
            DType from = context.InputType(0).DType;
            return [from.IsFloatingPoint() ? context.OutputGrad.To(from) : null];
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// This tensor converted to <paramref name="dtype"/> (this tensor itself when it already has it), as PyTorch's
        /// <c>x.to(dtype)</c>: floating point to integer truncates toward zero, anything to bool is "not zero". Recorded as a
        /// <c>cast</c> op: differentiable between float32 and float64; an integer or boolean result carries no gradient.
        /// </summary>
        /// <param name="dtype">The target dtype.</param>
        public Tensor To(DType dtype) => dtype == DType ? this : new CastOp(dtype).Apply(this);
    }
}
