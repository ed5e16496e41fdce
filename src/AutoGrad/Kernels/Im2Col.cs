using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

/// <summary>
/// The geometry of a 2-D convolution or pooling window over one NCHW image: channels, input size, kernel size,
/// stride, zero padding and dilation per spatial axis, and the resulting output size. <see cref="CeilMode"/> (pooling
/// only) rounds the output size up instead of down, as PyTorch's <c>ceil_mode</c>.
/// </summary>
internal readonly record struct ConvGeometry(
    int Channels, int Height, int Width, int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth, int PadHeight, int PadWidth, int DilationHeight, int DilationWidth, bool CeilMode = false)
{
    /// <summary>Output rows: ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 (see <see cref="OutExtent(int, int, int, int, int, bool)"/> for ceil mode).</summary>
    public int OutHeight => OutExtent(Height, KernelHeight, StrideHeight, PadHeight, DilationHeight, CeilMode);

    /// <summary>Output columns: ⌊(W + 2p − d(k − 1) − 1) / s⌋ + 1 (see <see cref="OutExtent(int, int, int, int, int, bool)"/> for ceil mode).</summary>
    public int OutWidth => OutExtent(Width, KernelWidth, StrideWidth, PadWidth, DilationWidth, CeilMode);

    /// <summary>Rows of the column matrix: C·kH·kW.</summary>
    public int ColumnRows => Channels * KernelHeight * KernelWidth;

    /// <summary>Columns of the column matrix: one per output position, oH·oW.</summary>
    public int ColumnCount => OutHeight * OutWidth;

    /// <summary>Elements of one input image, C·H·W.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>
    /// The output extent along one axis (may be ≤ 0 when the window does not fit; callers check). With
    /// <paramref name="ceilMode"/> the division rounds up, but, as in PyTorch, a last window that would start in the right
    /// padding (at or beyond input + pad) is dropped, so every window starts inside the input or the left padding.
    /// </summary>
    public static int OutExtent(int input, int kernel, int stride, int pad, int dilation, bool ceilMode = false)
    {
        double span = input + (2.0 * pad) - (dilation * (kernel - 1)) - 1;
        if (!ceilMode)
        {
            return (int)Math.Floor(span / stride) + 1;
        }

        int size = (int)Math.Ceiling(span / stride) + 1;
        return size > 1 && (long)(size - 1) * stride >= input + pad ? size - 1 : size;
    }
}

/// <summary>
/// im2col unrolls every receptive field of an image into a column so a convolution becomes one matrix product;
/// col2im is its adjoint (it sums each column entry back onto the pixel it was read from), used for input gradients.
/// </summary>
internal static class Im2Col
{
    /// <summary>
    /// Fills <paramref name="columns"/> (C·kH·kW rows × oH·oW columns, row-major) from image <paramref name="x"/> (C×H×W);
    /// positions that fall in the zero padding read 0.
    /// </summary>
    public static void Unfold<T>(ReadOnlySpan<T> x, in ConvGeometry g, Span<T> columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Unfold(x, g, columns, g.ColumnCount);

    /// <summary>
    /// <see cref="Unfold{T}(ReadOnlySpan{T}, in ConvGeometry, Span{T})"/> into a column matrix whose rows are
    /// <paramref name="rowStride"/> apart, so several images' columns can sit side by side in one matrix
    /// (image i's block starts at column i·oH·oW) and one product covers them all.
    /// </summary>
    public static void Unfold<T>(ReadOnlySpan<T> x, in ConvGeometry g, Span<T> columns, int rowStride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int oH = g.OutHeight, oW = g.OutWidth, count = oH * oW;
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            ReadOnlySpan<T> plane = x.Slice(c * g.Height * g.Width, g.Height * g.Width);
            for (int ki = 0; ki < g.KernelHeight; ki++)
            {
                for (int kj = 0; kj < g.KernelWidth; kj++, row++)
                {
                    Span<T> target = columns.Slice(row * rowStride, count);
                    int colOffset = (kj * g.DilationWidth) - g.PadWidth;
                    (int lo, int hi) = ValidRange(colOffset, g.StrideWidth, g.Width, oW);
                    if (g.StrideWidth == 1 && lo == 0 && hi == oW)
                    {
                        UnfoldFullRows(plane, target, g, ki, colOffset);
                        continue;
                    }

                    for (int oh = 0; oh < oH; oh++)
                    {
                        Span<T> line = target.Slice(oh * oW, oW);
                        int ih = (oh * g.StrideHeight) - g.PadHeight + (ki * g.DilationHeight);
                        if ((uint)ih >= (uint)g.Height || lo >= hi)
                        {
                            line.Clear();
                            continue;
                        }

                        if (lo > 0)
                        {
                            line[..lo].Clear();
                        }

                        if (hi < oW)
                        {
                            line[hi..].Clear();
                        }
                        ReadOnlySpan<T> source = plane.Slice(ih * g.Width, g.Width);
                        if (g.StrideWidth == 1)
                        {
                            CopyShort(source.Slice(lo + colOffset, hi - lo), line[lo..hi]);
                        }
                        else
                        {
                            for (int ow = lo, iw = (lo * g.StrideWidth) + colOffset; ow < hi; ow++, iw += g.StrideWidth)
                            {
                                line[ow] = source[iw];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Unfold{T}(ReadOnlySpan{T}, in ConvGeometry, Span{T})"/>: clears image <paramref name="x"/> (C×H×W), then adds every column entry
    /// onto the pixel it was read from (entries that came from padding are dropped).
    /// </summary>
    public static void Fold<T>(ReadOnlySpan<T> columns, in ConvGeometry g, Span<T> x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Fold(columns, g, x, g.ColumnCount);

    /// <summary>
    /// <see cref="Fold{T}(ReadOnlySpan{T}, in ConvGeometry, Span{T})"/> from a column matrix whose rows are
    /// <paramref name="rowStride"/> apart (one image's block of a batched column matrix).
    /// </summary>
    public static void Fold<T>(ReadOnlySpan<T> columns, in ConvGeometry g, Span<T> x, int rowStride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        x.Clear();
        int oH = g.OutHeight, oW = g.OutWidth, count = oH * oW;
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            Span<T> plane = x.Slice(c * g.Height * g.Width, g.Height * g.Width);
            for (int ki = 0; ki < g.KernelHeight; ki++)
            {
                for (int kj = 0; kj < g.KernelWidth; kj++, row++)
                {
                    ReadOnlySpan<T> source = columns.Slice(row * rowStride, count);
                    int colOffset = (kj * g.DilationWidth) - g.PadWidth;
                    (int lo, int hi) = ValidRange(colOffset, g.StrideWidth, g.Width, oW);
                    if (lo >= hi)
                    {
                        continue;
                    }

                    if (g.StrideWidth == 1 && lo == 0 && hi == oW)
                    {
                        FoldFullRows(source, plane, g, ki, colOffset);
                        continue;
                    }

                    for (int oh = 0; oh < oH; oh++)
                    {
                        int ih = (oh * g.StrideHeight) - g.PadHeight + (ki * g.DilationHeight);
                        if ((uint)ih >= (uint)g.Height)
                        {
                            continue;
                        }

                        ReadOnlySpan<T> line = source.Slice(oh * oW, oW);
                        Span<T> target = plane.Slice(ih * g.Width, g.Width);
                        if (g.StrideWidth == 1)
                        {
                            AddInto(line[lo..hi], target.Slice(lo + colOffset, hi - lo));
                        }
                        else
                        {
                            for (int ow = lo, iw = (lo * g.StrideWidth) + colOffset; ow < hi; ow++, iw += g.StrideWidth)
                            {
                                target[iw] += line[ow];
                            }
                        }
                    }
                }
            }
        }
    }

    // One column row whose every output row reads a whole run of oW input elements (stride 1, no column in the padding):
    // rows outside the input are zeros, the others one short copy each, with the spans' bounds checked once for the row.
    private static void UnfoldFullRows<T>(ReadOnlySpan<T> plane, Span<T> target, in ConvGeometry g, int ki, int colOffset)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int oH = g.OutHeight, oW = g.OutWidth, height = g.Height, width = g.Width;
        int strideHeight = g.StrideHeight, first = (ki * g.DilationHeight) - g.PadHeight;
        if (target.Length < oH * oW || colOffset < 0 || colOffset + oW > width || plane.Length < height * width)
        {
            throw new ArgumentException("Im2Col.UnfoldFullRows: the rows do not fit the plane.");
        }

        ref T source = ref MemoryMarshal.GetReference(plane);
        ref T destination = ref MemoryMarshal.GetReference(target);
        for (int oh = 0; oh < oH; oh++)
        {
            int ih = (oh * strideHeight) + first;
            if ((uint)ih >= (uint)height)
            {
                target.Slice(oh * oW, oW).Clear();
                continue;
            }

            CopyShort(ref Unsafe.Add(ref source, (ih * width) + colOffset), ref Unsafe.Add(ref destination, oh * oW), oW);
        }
    }

    // The adjoint of UnfoldFullRows: each output row inside the input adds its oW entries onto one run of the plane.
    private static void FoldFullRows<T>(ReadOnlySpan<T> source, Span<T> plane, in ConvGeometry g, int ki, int colOffset)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int oH = g.OutHeight, oW = g.OutWidth, height = g.Height, width = g.Width;
        int strideHeight = g.StrideHeight, first = (ki * g.DilationHeight) - g.PadHeight;
        if (source.Length < oH * oW || colOffset < 0 || colOffset + oW > width || plane.Length < height * width)
        {
            throw new ArgumentException("Im2Col.FoldFullRows: the rows do not fit the plane.");
        }

        ref T from = ref MemoryMarshal.GetReference(source);
        ref T to = ref MemoryMarshal.GetReference(plane);
        for (int oh = 0; oh < oH; oh++)
        {
            int ih = (oh * strideHeight) + first;
            if ((uint)ih < (uint)height)
            {
                AddInto(ref Unsafe.Add(ref from, oh * oW), ref Unsafe.Add(ref to, (ih * width) + colOffset), oW);
            }
        }
    }

    // target = source, for the same short rows: an inlined vector loop instead of a memmove call per row. A row of at
    // least one vector ends with a vector that overlaps the previous one (a copy may write an element twice), so an
    // 11-long row is two vector copies instead of one and three scalar ones.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort<T>(ReadOnlySpan<T> source, Span<T> target)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        CopyShort(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(target), Math.Min(source.Length, target.Length));

    // The same over n elements at two references the caller has checked.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyShort<T>(ref T s, ref T d, int n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= Vector256<T>.Count)
        {
            for (; i < n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256.LoadUnsafe(ref s, (nuint)i).StoreUnsafe(ref d, (nuint)i);
            }

            int last = n - Vector256<T>.Count;
            Vector256.LoadUnsafe(ref s, (nuint)last).StoreUnsafe(ref d, (nuint)last);
            return;
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i);
        }
    }

    // target += source. Rows here are short (a small CNN's 11 or 26 positions, hundreds of thousands of rows per batch),
    // where TensorPrimitives.Add's per-call setup cost more than the adds: one inlined vector loop and a scalar tail.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddInto<T>(ReadOnlySpan<T> source, Span<T> target)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        AddInto(ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(target), Math.Min(source.Length, target.Length));

    // The same over n elements at two references the caller has checked.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddInto<T>(ref T s, ref T d, int n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                (Vector256.LoadUnsafe(ref d, (nuint)i) + Vector256.LoadUnsafe(ref s, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d, i) += Unsafe.Add(ref s, i);
        }
    }

    // The output columns ow in [lo, hi) whose input column ow·stride + offset lies inside [0, width).
    private static (int Lo, int Hi) ValidRange(int offset, int stride, int width, int outWidth)
    {
        int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int hi = width - offset <= 0 ? 0 : ((width - offset - 1) / stride) + 1;
        return (Math.Min(lo, outWidth), Math.Clamp(hi, 0, outWidth));
    }
}
