using System.Buffers;
using System.Numerics;

namespace AutoGrad.Kernels;

/// <summary>
/// 2-D convolution (cross-correlation, as in every deep-learning library) over NCHW batches and its two adjoints,
/// each as im2col/col2im of one image plus one GEMM, with a single pooled column buffer reused across the batch.
/// Weights are [outC, C, kH, kW], i.e. an outC × (C·kH·kW) matrix.
/// </summary>
internal static class Convolution
{
    /// <summary>y[n] (outC × oH·oW) = W (outC × K) · im2col(x[n]) (K × oH·oW) for every image n.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, Span<T> y, int batch, int outChannels, in ConvGeometry g)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = g.ColumnRows, l = g.ColumnCount;
        if (l == 0 || batch == 0 || outChannels == 0)
        {
            return;
        }

        T[] columns = ArrayPool<T>.Shared.Rent(k * l);
        try
        {
            Span<T> cols = columns.AsSpan(0, k * l);
            for (int n = 0; n < batch; n++)
            {
                Im2Col.Unfold(x.Slice(n * g.ImageSize, g.ImageSize), g, cols);
                Gemm.Multiply<T>(weight, k, false, cols, l, false, y.Slice(n * outChannels * l, outChannels * l), l, outChannels, l, k, accumulate: false);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(columns);
        }
    }

    /// <summary>dx[n] = col2im(Wᵀ (K × outC) · dy[n] (outC × oH·oW)) for every image n: the adjoint of <see cref="Forward{T}"/> in x.</summary>
    public static void InputGrad<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> weight, Span<T> dx, int batch, int outChannels, in ConvGeometry g)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = g.ColumnRows, l = g.ColumnCount;
        if (l == 0 || outChannels == 0 || k == 0)
        {
            dx.Clear();
            return;
        }

        T[] columns = ArrayPool<T>.Shared.Rent(k * l);
        try
        {
            Span<T> cols = columns.AsSpan(0, k * l);
            for (int n = 0; n < batch; n++)
            {
                Gemm.Multiply<T>(weight, k, true, dy.Slice(n * outChannels * l, outChannels * l), l, false, cols, l, k, l, outChannels, accumulate: false);
                Im2Col.Fold<T>(cols, g, dx.Slice(n * g.ImageSize, g.ImageSize));
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(columns);
        }
    }

    /// <summary>dW (outC × K) = Σₙ dy[n] (outC × oH·oW) · im2col(x[n])ᵀ: the adjoint of <see cref="Forward{T}"/> in W.</summary>
    public static void FilterGrad<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dw, int batch, int outChannels, in ConvGeometry g)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = g.ColumnRows, l = g.ColumnCount;
        dw.Clear();
        if (l == 0 || k == 0 || outChannels == 0)
        {
            return;
        }

        T[] columns = ArrayPool<T>.Shared.Rent(k * l);
        try
        {
            Span<T> cols = columns.AsSpan(0, k * l);
            for (int n = 0; n < batch; n++)
            {
                Im2Col.Unfold(x.Slice(n * g.ImageSize, g.ImageSize), g, cols);
                Gemm.Multiply<T>(dy.Slice(n * outChannels * l, outChannels * l), l, false, cols, l, true, dw, k, outChannels, k, l, accumulate: true);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(columns);
        }
    }
}
