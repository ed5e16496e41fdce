namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Arithmetic mean over the given axes (all when null or empty): a composite, reduce_sum divided by the number of
    /// reduced elements. Reducing an empty axis gives NaN (0/0), as in NumPy.
    /// </summary>
    /// <param name="axes">Axes to reduce; negative values count from the end.</param>
    /// <param name="keepDims">Keep reduced axes as size 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">An axis is out of range.</exception>
    /// <exception cref="ArgumentException">An axis is repeated.</exception>
    public Tensor Mean(int[]? axes = null, bool keepDims = false)
    {
        int[] normalized = ShapeChecks.Axes("mean", axes, Rank);
        return Sum(normalized, keepDims).Div(CountConstant(normalized));
    }

    /// <summary>Mean over one axis.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
    public Tensor Mean(int axis, bool keepDims = false) => Mean([axis], keepDims);

    /// <summary>
    /// <see cref="ReducedCount"/> as a scalar constant (a mean's divisor), marked so that a one-pass trace reads it as a
    /// product of symbolic sizes (<c>B</c>, <c>16*B*T</c>) when a reduced axis is symbolic.
    /// </summary>
    internal Tensor CountConstant(int[] axes)
    {
        int count = ReducedCount(axes);
        Tensor constant = ScalarLike((double)count);
        SymbolicExtents.MarkCount(constant, count);
        return constant;
    }

    /// <summary>How many elements each output of a reduction over <paramref name="axes"/> (normalized) combines.</summary>
    internal int ReducedCount(int[] axes)
    {
        int count = 1;
        foreach (int axis in axes)
        {
            count *= Shape[axis];
        }

        return count;
    }
}
