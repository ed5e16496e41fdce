using System.Numerics.Tensors;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// aᵇ with broadcasting (a scalar exponent enters as a 0-D constant). Gradient: g·b·a^(b−1) to the base and
    /// g·aᵇ·ln a to the exponent, reusing the output; the exponent's gradient is only formed when the exponent
    /// requires grad, is 0 where a = 0 and b ≥ 0 (as in PyTorch: the vanishing aᵇ wins over ln 0, instead of 0·(−∞) =
    /// NaN), and is NaN where a &lt; 0 (aᵇ is not real-differentiable in b there).
    /// </summary>
    internal sealed class PowOp : BinaryElementwiseOp
    {
        public static readonly PowOp Instance = new();

        public override string Name => "pow";

        public override SavedValues Saves => SavedValues.Input0 | SavedValues.Input1 | SavedValues.Output;

        public override Tensors.Tensor?[] Backward(GradientContext context)
        {
            var g = context.OutputGrad;
            var a = context.Input(0);
            var b = context.Input(1);
            return
            [
                // a^(b−1) rather than y/a, so the base gradient stays finite at a = 0 for b ≥ 1.
                context.NeedsGrad(0) ? g.Mul(b).Mul(a.Pow(b.Sub(1.0))) : null,
                context.NeedsGrad(1) ? g.Mul(context.Output).Mul(LogOfBase(a, b)) : null,
            ];
        }

        /// <summary>ln a, with ln 1 = 0 selected where a = 0 and b ≥ 0, so aᵇ·ln a is 0 there; a select (not a mask
        /// product) keeps the −∞ and its gradient out of first and second derivatives.</summary>
        private static Tensors.Tensor LogOfBase(Tensors.Tensor a, Tensors.Tensor b)
        {
            Tensors.Tensor vanishes = a.Equal(0.0).Mul(b.GreaterEqual(0.0));
            return Tensors.Tensor.Where(vanishes, a.OnesLike(), a).Log();
        }

        protected override void VectorVector<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Pow(x, y, destination);

        protected override void VectorScalar<T>(ReadOnlySpan<T> x, T y, Span<T> destination) => TensorPrimitives.Pow(x, y, destination);

        protected override void ScalarVector<T>(T x, ReadOnlySpan<T> y, Span<T> destination) => TensorPrimitives.Pow(x, y, destination);
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Raises every element to a constant power, rounded to this tensor's dtype (IEEE pow: NaN for a negative base with a non-integer exponent).</summary>
        public Tensor Pow(double exponent) => PowOp.Instance.Apply(this, ScalarLike(exponent));

        /// <summary>Elementwise power with NumPy broadcasting; differentiable in both base and exponent (the latter needs a positive base).</summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast or the dtypes differ.</exception>
        public Tensor Pow(Tensor exponent) => PowOp.Instance.Apply(this, exponent);
    }
}
