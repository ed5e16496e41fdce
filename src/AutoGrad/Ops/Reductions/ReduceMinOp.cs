using AutoGrad.Kernels;
using AutoGrad.Ops.Reductions;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Reductions
{
    /// <summary>Minimum over axes. Gradient: to the elements equal to the minimum, split evenly among ties (see reduce_max).</summary>
    internal sealed class ReduceMinOp(int[] axes, bool keepDims) : ReductionOp(axes, keepDims)
    {
        public override string Name => "reduce_min";

        public override SavedValues Saves => SavedValues.Input0 | SavedValues.Output;

        internal override ReduceKind Kind => ReduceKind.Min;

        internal override bool IsDefinedOnIntegers => true;

        public override Tensor?[] Backward(GradientContext context) => [ReduceMaxOp.ExtremumGradient(this, context)];
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Minimum over the given axes (all when null or empty). The gradient is split evenly among tied minima.</summary>
        /// <param name="axes">Axes to reduce; negative values count from the end.</param>
        /// <param name="keepDims">Keep reduced axes as size 1.</param>
        /// <exception cref="ArgumentOutOfRangeException">An axis is out of range.</exception>
        /// <exception cref="ArgumentException">An axis is repeated, or a reduced axis has size 0.</exception>
        public Tensor Min(int[]? axes = null, bool keepDims = false) =>
            new ReduceMinOp(ShapeChecks.Axes("reduce_min", axes, Rank), keepDims).Apply(this);

        /// <summary>Minimum over one axis.</summary>
        /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
        public Tensor Min(int axis, bool keepDims = false) => Min([axis], keepDims);
    }
}
