using AutoGrad.Ops.Random;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Random
{
    /// <summary>
    /// A fresh inverted-dropout mask shaped like its input: each element independently 0 with probability p, else
    /// 1/(1 − p). The input supplies only shape and dtype. No gradient. Each application draws new values from the
    /// generator, so two mask nodes are never equivalent (common-subexpression elimination must not merge them).
    /// </summary>
    internal sealed class DropoutMaskOp(double p, Generator generator) : Op
    {
        public override string Name => "dropout_mask";

        public override OpEffect Effect => OpEffect.Random;

        public double P { get; } = p;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("p", P)];

        public override bool IsDifferentiable => false;

        public override SavedValues Saves => SavedValues.None;

        public override bool IsEquivalentTo(Op other) => ReferenceEquals(this, other);

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => inputs[0];

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            double scale = P >= 1 ? 0 : 1 / (1 - P);
            if (output.DType == DType.Float32)
            {
                generator.FillMask(output.AsSpan<float>(), P, 0f, (float)scale);
            }
            else
            {
                generator.FillMask(output.AsSpan<double>(), P, 0.0, scale);
            }
        }

        public override Tensor?[] Backward(GradientContext context) => throw new InvalidOperationException($"{Name} has no gradient.");
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Inverted dropout: while <paramref name="training"/>, each element is zeroed with probability
        /// <paramref name="p"/> and the survivors are scaled by 1/(1 − p), so the expected value is unchanged; otherwise,
        /// or when p = 0, the input is returned as is. A composition x · mask with the mask from <c>dropout_mask</c>, so
        /// the gradient is g · mask (g/(1 − p) where kept, 0 where dropped). The mask draws from
        /// <paramref name="generator"/> (<see cref="Generator.Default"/> when null): the same seed gives the same mask.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
        public Tensor Dropout(double p, bool training, Generator? generator = null)
        {
            if (!(p >= 0 && p <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(p), p, $"dropout: probability p must be in [0, 1], got {p}.");
            }

            if (!training || p == 0)
            {
                return this;
            }

            Tensor mask = new DropoutMaskOp(p, generator ?? Generator.Default).Apply(this);
            return Mul(mask);
        }
    }
}
