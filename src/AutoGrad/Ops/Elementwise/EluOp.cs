using System.Buffers;
using System.Numerics.Tensors;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// x for x &gt; 0, α·(eˣ − 1) otherwise. Gradient: g where x &gt; 0, g·(y + α) = g·α·eˣ elsewhere (α at exactly 0,
    /// the left-hand derivative, as PyTorch), reusing the output.
    /// </summary>
    internal sealed class EluOp(double alpha) : UnaryElementwiseOp
    {
        public override string Name => "elu";

        public double Alpha { get; } = alpha;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("alpha", Alpha)];

        public override SavedValues Saves => SavedValues.Input0 | SavedValues.Output;

        public override Tensors.Tensor?[] Backward(GradientContext context)
        {
            var x = context.Input(0);
            var positive = x.Greater(0.0).To(x.DType);
            // [x > 0] + [x ≤ 0]·(y + α): written with y so the second derivative (α·eˣ on the left) flows through the output.
            var slope = positive.Add(positive.RSub(1.0).Mul(context.Output.Add(Alpha)));
            return [context.OutputGrad.Mul(slope)];
        }

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination)
        {
            // max(x, 0) + α·expm1(min(x, 0)): each term vanishes on the other side, and expm1 keeps small |x| accurate.
            T[] rented = ArrayPool<T>.Shared.Rent(x.Length);
            try
            {
                Span<T> negative = rented.AsSpan(0, x.Length);
                TensorPrimitives.Min(x, T.Zero, negative);
                TensorPrimitives.ExpM1(negative, negative);
                TensorPrimitives.Multiply(negative, T.CreateChecked(Alpha), negative);
                TensorPrimitives.Max(x, T.Zero, destination);
                TensorPrimitives.Add(destination, negative, destination);
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
        /// <summary>Exponential linear unit: x where x &gt; 0, <paramref name="alpha"/>·(eˣ − 1) elsewhere.</summary>
        /// <exception cref="ArgumentException">alpha is NaN or infinite.</exception>
        public Tensor Elu(double alpha = 1.0)
        {
            if (!double.IsFinite(alpha))
            {
                throw new ArgumentException($"elu: alpha must be finite, got {alpha}.", nameof(alpha));
            }

            return new EluOp(alpha).Apply(this);
        }
    }
}
