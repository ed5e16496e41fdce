using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>x for x &gt; 0, slope·x otherwise. Gradient: g·1 where x &gt; 0, g·slope elsewhere (slope at exactly 0, as PyTorch).</summary>
    internal sealed class LeakyReluOp(double negativeSlope) : UnaryElementwiseOp, ILaneOp
    {
        public override string Name => "leaky_relu";

        public double NegativeSlope { get; } = negativeSlope;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("negative_slope", NegativeSlope)];

        public override SavedValues Saves => SavedValues.Input0;

        public override Tensors.Tensor?[] Backward(GradientContext context)
        {
            // slope + (1 − slope)·[x > 0]: 1 on the positive side, slope elsewhere.
            var x = context.Input(0);
            var positive = x.Greater(0.0).To(x.DType);
            return [context.OutputGrad.Mul(positive.Mul(1.0 - NegativeSlope).Add(NegativeSlope))];
        }

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination)
        {
            // For slope ≤ 1 the positive branch is the larger of x and slope·x; for slope > 1 it is the smaller.
            T slope = T.CreateChecked(NegativeSlope);
            TensorPrimitives.Multiply(x, slope, destination);
            if (NegativeSlope <= 1.0)
            {
                TensorPrimitives.Max(x, destination, destination);
            }
            else
            {
                TensorPrimitives.Min(x, destination, destination);
            }
        }

        LaneStep<T> ILaneOp.CreateLaneStep<T>() => LaneStep.Unary<T, Lane<T>>(new(T.CreateChecked(NegativeSlope), NegativeSlope <= 1.0));

        /// <summary>The span kernel's max(x, slope·x) (min for a slope above 1), per element.</summary>
        private readonly struct Lane<T>(T slope, bool takeMax) : IUnaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x) => takeMax ? T.Max(x, x * slope) : T.Min(x, x * slope);

            public Vector<T> Invoke(Vector<T> x) => takeMax ? Vector.Max(x, x * slope) : Vector.Min(x, x * slope);
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Leaky ReLU: x where x &gt; 0, <paramref name="negativeSlope"/>·x elsewhere. Its gradient at exactly 0 is the slope.</summary>
        /// <exception cref="ArgumentException">The slope is NaN or infinite.</exception>
        public Tensor LeakyRelu(double negativeSlope = 0.01)
        {
            if (!double.IsFinite(negativeSlope))
            {
                throw new ArgumentException($"leaky_relu: negative_slope must be finite, got {negativeSlope}.", nameof(negativeSlope));
            }

            return new LeakyReluOp(negativeSlope).Apply(this);
        }
    }
}
