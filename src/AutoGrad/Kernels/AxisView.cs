using AutoGrad.Tensors;

namespace AutoGrad.Kernels;

/// <summary>Views a row-major shape around one axis as (outer, n, inner), the form the per-axis kernels take.</summary>
internal static class AxisView
{
    /// <summary>The product of the axes before <paramref name="axis"/>, its extent, and the product of the axes after it.</summary>
    public static (int Outer, int N, int Inner) Of(Shape shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++)
        {
            outer *= shape[i];
        }

        for (int i = axis + 1; i < shape.Rank; i++)
        {
            inner *= shape[i];
        }

        return (outer, shape[axis], inner);
    }
}
