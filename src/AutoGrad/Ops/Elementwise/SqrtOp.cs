using System.Numerics.Tensors;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>√x. Gradient: g / (2√x), reusing the output.</summary>
    internal sealed class SqrtOp : UnaryElementwiseOp
    {
        public static readonly SqrtOp Instance = new();

        public override string Name => "sqrt";

        public override SavedValues Saves => SavedValues.Output;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [context.OutputGrad.Div(context.Output.Mul(2.0))];

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Sqrt(x, destination);
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise square root (NaN below 0). Its gradient is infinite at 0.</summary>
        public Tensor Sqrt() => SqrtOp.Instance.Apply(this);
    }
}
