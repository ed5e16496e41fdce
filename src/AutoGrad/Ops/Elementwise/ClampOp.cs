using System.Numerics.Tensors;
using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// min(max(x, lo), hi) with either bound optional. Gradient: g where lo ≤ x ≤ hi (bounds inclusive, as PyTorch),
    /// 0 outside. A primitive rather than maximum/minimum with scalars, whose ½ tie rule would halve the gradient at a bound.
    /// </summary>
    internal sealed class ClampOp(double? min, double? max) : UnaryElementwiseOp, ILaneOp
    {
        public override string Name => "clamp";

        public double? Min { get; } = min;

        public double? Max { get; } = max;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes
        {
            get
            {
                var attributes = new List<KeyValuePair<string, object>>(2);
                if (Max is { } hi)
                {
                    attributes.Add(new("max", hi));
                }

                if (Min is { } lo)
                {
                    attributes.Add(new("min", lo));
                }

                return attributes;
            }
        }

        public override SavedValues Saves => SavedValues.Input0;

        public override Tensors.Tensor?[] Backward(GradientContext context)
        {
            var x = context.Input(0);
            Tensors.Tensor? inside = null;
            if (Min is { } lo)
            {
                inside = x.GreaterEqual(lo);
            }

            if (Max is { } hi)
            {
                var below = x.LessEqual(hi);
                inside = inside is null ? below : inside.Mul(below);
            }

            return [context.OutputGrad.Mul(inside!)];
        }

        protected override void Compute<T>(ReadOnlySpan<T> x, Span<T> destination)
        {
            ReadOnlySpan<T> source = x;
            if (Min is { } lo)
            {
                TensorPrimitives.Max(source, T.CreateChecked(lo), destination);
                source = destination;
            }

            if (Max is { } hi)
            {
                TensorPrimitives.Min(source, T.CreateChecked(hi), destination);
            }
        }

        LaneStep<T> ILaneOp.CreateLaneStep<T>() =>
            LaneStep.Unary<T, Lane<T>>(new(Min is null ? T.NegativeInfinity : T.CreateChecked(Min.Value), Max is null ? T.PositiveInfinity : T.CreateChecked(Max.Value), Min is not null, Max is not null));

        /// <summary>The span kernel's max with the lower bound, then min with the upper, each only when given (so NaN stays NaN either way).</summary>
        private readonly struct Lane<T>(T lo, T hi, bool hasLo, bool hasHi) : IUnaryLane<T>
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            public T Invoke(T x)
            {
                x = hasLo ? T.Max(x, lo) : x;
                return hasHi ? T.Min(x, hi) : x;
            }

            public Vector<T> Invoke(Vector<T> x)
            {
                x = hasLo ? Vector.Max(x, new Vector<T>(lo)) : x;
                return hasHi ? Vector.Min(x, new Vector<T>(hi)) : x;
            }
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Limits every element to [<paramref name="min"/>, <paramref name="max"/>]; a null bound is not applied. The
        /// gradient passes where min ≤ x ≤ max (bounds inclusive) and is 0 outside. When min &gt; max every element becomes max.
        /// </summary>
        /// <exception cref="ArgumentException">Both bounds are null, or a bound is NaN.</exception>
        public Tensor Clamp(double? min, double? max)
        {
            if (min is null && max is null)
            {
                throw new ArgumentException("clamp: at least one of min and max must be given.");
            }

            if ((min is { } lo && double.IsNaN(lo)) || (max is { } hi && double.IsNaN(hi)))
            {
                throw new ArgumentException($"clamp: bounds must not be NaN, got min={min}, max={max}.");
            }

            return new ClampOp(min, max).Apply(this);
        }
    }
}
