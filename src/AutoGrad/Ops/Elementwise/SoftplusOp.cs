using System.Buffers;
using System.Numerics.Tensors;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^(−|x|)) so that large |x| neither overflows nor loses precision.
    /// A primitive because that composition's pieces (relu, abs) have kinks at 0 whose chosen derivatives would give
    /// softplus'(0) = 0 instead of ½. Gradient: g·σ(x).
    /// </summary>
    internal sealed class SoftplusOp : UnaryElementwiseOp
    {
        public static readonly SoftplusOp Instance = new();

        public override string Name => "softplus";

        public override SavedValues Saves => SavedValues.Input0;

        public override Tensors.Tensor?[] Backward(GradientContext context) => [context.OutputGrad.Mul(context.Input(0).Sigmoid())];

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination)
        {
            T[] rented = ArrayPool<T>.Shared.Rent(x.Length);
            try
            {
                Span<T> tail = rented.AsSpan(0, x.Length);
                TensorPrimitives.Abs(x, tail);
                TensorPrimitives.Negate(tail, tail);
                TensorPrimitives.Exp(tail, tail);
                TensorPrimitives.LogP1(tail, tail);
                TensorPrimitives.Max(x, T.Zero, destination);
                TensorPrimitives.Add(destination, tail, destination);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Softplus ln(1 + eˣ), a smooth ReLU; stable for any x (softplus(1000) = 1000, softplus(−1000) = e^(−1000) ≈ 0).</summary>
        public Tensor Softplus() => SoftplusOp.Instance.Apply(this);
    }
}
