using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// x, with subnormal values replaced by 0 (flush-to-zero). Used by compiled optimizer updates so decaying moment
    /// estimates never enter the slow subnormal range. Gradient: g unchanged — the function is the identity except on
    /// the subnormal band, where any gradient contribution is below 1e-38 anyway.
    /// </summary>
    internal sealed class FlushSubnormalOp : UnaryElementwiseOp
    {
        public static readonly FlushSubnormalOp Instance = new();

        public override string Name => "flush_subnormal";

        public override SavedValues Saves => SavedValues.None;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [context.OutputGrad];

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination) => Subnormals.Flush(x, destination);
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// The same values with subnormal ones (|x| below 2⁻¹²⁶ in float32, 2⁻¹⁰²² in float64) set to 0, like a CPU's
        /// flush-to-zero mode; use it on decaying running averages that would otherwise slow every operation on them.
        /// The gradient passes through unchanged.
        /// </summary>
        public Tensor FlushSubnormal() => FlushSubnormalOp.Instance.Apply(this);
    }
}
