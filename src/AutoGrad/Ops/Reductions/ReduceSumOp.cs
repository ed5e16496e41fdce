using AutoGrad.Kernels;
using AutoGrad.Ops.Reductions;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Reductions
{
    /// <summary>Sum over axes. Gradient: the incoming gradient broadcast back over the reduced axes.</summary>
    internal sealed class ReduceSumOp(int[] axes, bool keepDims) : ReductionOp(axes, keepDims)
    {
        public override string Name => "reduce_sum";

        internal override BatchRole? LinearOverBatch => BatchRole.SumOverBatch;

        public override SavedValues Saves => SavedValues.None;

        internal override ReduceKind Kind => ReduceKind.Sum;

        internal override bool IsDefinedOnIntegers => true;

        public override Tensor?[] Backward(GradientContext context) =>
            [GradientWithKeptDims(context).BroadcastTo(context.InputType(0).Shape)];
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Sum over the given axes (all axes when none are given).</summary>
        /// <param name="axes">Axes to reduce; negative values count from the end; null or empty means all.</param>
        /// <param name="keepDims">Keep reduced axes as size 1 so the result broadcasts against the input.</param>
        /// <exception cref="ArgumentOutOfRangeException">An axis is out of range.</exception>
        public Tensor Sum(int[]? axes = null, bool keepDims = false) =>
            new ReduceSumOp(ShapeChecks.Axes("reduce_sum", axes, Rank), keepDims).Apply(this);

        /// <summary>Sum over one axis.</summary>
        /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
        public Tensor Sum(int axis, bool keepDims = false) => Sum([axis], keepDims);
    }
}
