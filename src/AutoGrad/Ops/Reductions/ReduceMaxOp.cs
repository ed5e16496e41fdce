using AutoGrad.Kernels;
using AutoGrad.Ops.Reductions;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Reductions
{
    /// <summary>
    /// Maximum over axes. Gradient: the incoming gradient goes to the elements equal to the maximum, split evenly
    /// among ties (two tied maxima get ½ each), so the shares sum to the incoming gradient. Mask and counts are
    /// comparisons without gradient, so the rule's own derivative is 0 almost everywhere, as it should be.
    /// </summary>
    internal sealed class ReduceMaxOp(int[] axes, bool keepDims) : ReductionOp(axes, keepDims)
    {
        public override string Name => "reduce_max";

        public override SavedValues Saves => SavedValues.Input0 | SavedValues.Output;

        internal override ReduceKind Kind => ReduceKind.Max;

        internal override bool IsDefinedOnIntegers => true;

        public override Tensor?[] Backward(GradientContext context) => [ExtremumGradient(this, context)];

        /// <summary>The tie-splitting rule shared by reduce_max and reduce_min.</summary>
        internal static Tensor ExtremumGradient(ReductionOp op, GradientContext context)
        {
            Shape kept = ReducedShape(context.InputType(0).Shape, op.Axes, keepDims: true);
            Tensor extremum = op.KeepDims ? context.Output : context.Output.Reshape(kept);
            Tensor hits = context.Input(0).Equal(extremum).To(context.OutputGrad.DType);
            Tensor g = op.KeepDims ? context.OutputGrad : context.OutputGrad.Reshape(kept);
            return g.Mul(hits.Div(hits.Sum(op.Axes, keepDims: true)));
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Maximum over the given axes (all when null or empty). The gradient is split evenly among tied maxima.</summary>
        /// <param name="axes">Axes to reduce; negative values count from the end.</param>
        /// <param name="keepDims">Keep reduced axes as size 1.</param>
        /// <exception cref="ArgumentOutOfRangeException">An axis is out of range.</exception>
        /// <exception cref="ArgumentException">An axis is repeated, or a reduced axis has size 0.</exception>
        public Tensor Max(int[]? axes = null, bool keepDims = false) =>
            new ReduceMaxOp(ShapeChecks.Axes("reduce_max", axes, Rank), keepDims).Apply(this);

        /// <summary>Maximum over one axis.</summary>
        /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
        public Tensor Max(int axis, bool keepDims = false) => Max([axis], keepDims);
    }
}
