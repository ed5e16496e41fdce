using System.Numerics;

namespace AutoGrad.Kernels;

/// <summary>Window searches for pooling over NCHW batches.</summary>
internal static class Pooling
{
    /// <summary>
    /// For each window of each C×H×W plane, the flat index (row·W + column) of its largest element, written as an
    /// int64 into <paramref name="destination"/> (planes × oH × oW). Padding positions are never chosen, so
    /// padding behaves as −∞. Ties go to the first element in row-major window order; a NaN wins, so NaN propagates.
    /// </summary>
    public static void MaxIndices<T>(ReadOnlySpan<T> x, int planes, in ConvGeometry g, Span<long> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int h = g.Height, w = g.Width, oH = g.OutHeight, oW = g.OutWidth;
        int o = 0;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> plane = x.Slice(p * h * w, h * w);
            for (int oh = 0; oh < oH; oh++)
            {
                int top = (oh * g.StrideHeight) - g.PadHeight;
                int rowLo = Math.Max(top, 0), rowHi = Math.Min(top + g.KernelHeight, h);
                for (int ow = 0; ow < oW; ow++, o++)
                {
                    int left = (ow * g.StrideWidth) - g.PadWidth;
                    int colLo = Math.Max(left, 0), colHi = Math.Min(left + g.KernelWidth, w);
                    int best = (rowLo * w) + colLo;
                    T bestValue = plane[best];
                    for (int r = rowLo; r < rowHi; r++)
                    {
                        for (int c = colLo; c < colHi; c++)
                        {
                            T v = plane[(r * w) + c];
                            if (v > bestValue || (T.IsNaN(v) && !T.IsNaN(bestValue)))
                            {
                                bestValue = v;
                                best = (r * w) + c;
                            }
                        }
                    }

                    destination[o] = best;
                }
            }
        }
    }
}
