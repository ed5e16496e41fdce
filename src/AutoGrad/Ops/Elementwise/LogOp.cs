using System.Numerics.Tensors;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>ln x. Gradient: g / x.</summary>
    internal sealed class LogOp : UnaryElementwiseOp
    {
        public static readonly LogOp Instance = new();

        public override string Name => "log";

        public override SavedValues Saves => SavedValues.Input0;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [context.OutputGrad.Div(context.Input(0))];

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination) => TensorPrimitives.Log(x, destination);
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Elementwise natural logarithm (NaN below 0, −∞ at 0).</summary>
        public Tensor Log() => LogOp.Instance.Apply(this);
    }
}
