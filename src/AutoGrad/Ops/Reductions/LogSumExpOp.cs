using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Ops.Reductions;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Reductions
{
    /// <summary>
    /// ln ∑ eˣ over axes, computed as m + ln ∑ e^(x−m) with m the maximum, so no exponent is positive and inputs like
    /// 1000 do not overflow. A primitive (rather than that composition) so that the gradient is exactly
    /// g·e^(x−y) = g·softmax(x), with no detour through the maximum's tie rule. Rows whose maximum is ±∞ are not
    /// shifted, giving ±∞ rather than NaN.
    /// </summary>
    internal sealed class LogSumExpOp(int[] axes, bool keepDims) : ReductionOp(axes, keepDims)
    {
        public override string Name => "logsumexp";

        public override SavedValues Saves => SavedValues.Input0 | SavedValues.Output;

        // The base class runs the max reduction; Forward builds the rest on the plain kernels of sub, exp, sum and log.
        internal override ReduceKind Kind => ReduceKind.Max;

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Tensor x = inputs[0];
            Shape kept = ReducedShape(x.Shape, Axes, keepDims: true);
            var shift = new Tensor(new TensorType(kept, x.DType));
            base.Forward(inputs, shift);
            if (x.DType == DType.Float32)
            {
                ZeroNonFinite(shift.AsSpan<float>());
            }
            else
            {
                ZeroNonFinite(shift.AsSpan<double>());
            }

            var shifted = new Tensor(x.Type);
            SubOp.Instance.Forward([x, shift], shifted);
            ExpOp.Instance.Forward([shifted], shifted);
            var sums = new Tensor(new TensorType(kept, x.DType));
            new ReduceSumOp(Axes, keepDims: true).Forward([shifted], sums);
            LogOp.Instance.Forward([sums], sums);
            AddOp.Instance.Forward([sums, shift], sums);
            sums.CopyTo(output);
        }

        public override Tensor?[] Backward(GradientContext context)
        {
            Shape kept = ReducedShape(context.InputType(0).Shape, Axes, keepDims: true);
            Tensor y = KeepDims ? context.Output : context.Output.Reshape(kept);
            return [GradientWithKeptDims(context).Mul(context.Input(0).Sub(y).Exp())];
        }

        private static void ZeroNonFinite<T>(Span<T> values)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (!T.IsFinite(values[i]))
                {
                    values[i] = T.Zero;
                }
            }
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>ln ∑ exp over the given axes (all when null or empty), computed stably. Its gradient is the softmax over those axes.</summary>
        /// <param name="axes">Axes to reduce; negative values count from the end.</param>
        /// <param name="keepDims">Keep reduced axes as size 1.</param>
        /// <exception cref="ArgumentOutOfRangeException">An axis is out of range.</exception>
        /// <exception cref="ArgumentException">An axis is repeated, or a reduced axis has size 0.</exception>
        public Tensor LogSumExp(int[]? axes = null, bool keepDims = false) =>
            new LogSumExpOp(ShapeChecks.Axes("logsumexp", axes, Rank), keepDims).Apply(this);

        /// <summary>ln ∑ exp over one axis, computed stably.</summary>
        /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
        public Tensor LogSumExp(int axis, bool keepDims = false) => LogSumExp([axis], keepDims);
    }
}
