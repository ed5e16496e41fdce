using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

internal static unsafe partial class Im2Col
{
    /// <summary>Most masks (kernel columns × vector blocks of an input row) <see cref="FoldRowGroups{T}"/> keeps on the stack.</summary>
    private const int MaxRowGroupMasks = 64;

    /// <summary>
    /// Whether <see cref="FoldRowGroups{T}"/> runs for <paramref name="g"/> (its caller checks the unit column stride):
    /// AVX-512 with float or double, and few enough kernel columns × vector blocks per input row for its masks.
    /// </summary>
    private static bool CanFoldRowGroups<T>(in ConvGeometry g)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double))
        && (g.KernelWidth + 1L) * ((g.Width + Vector512<T>.Count - 1) / Vector512<T>.Count) <= MaxRowGroupMasks;

    /// <summary>
    /// col2im for a unit column stride, one input row at a time: each vector of an input row is summed in a register
    /// from every column-row line that reaches it (masked loads: kernel row by kernel row, kW lines each) and written
    /// once, instead of clearing the image and then reading, adding and writing each row once per term. Each pixel
    /// still receives its terms in column-row order (kernel row, then kernel column) starting from +0, as the general
    /// loop adds them onto the cleared image, so the sums are the same bits; lanes outside a line's valid range load +0,
    /// which leaves any sum unchanged (a sum that starts at +0 is never −0). Writes every element of the image.
    /// </summary>
    private static void FoldRowGroups<T>(ReadOnlySpan<T> columns, in ConvGeometry g, Span<T> x, int rowStride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int v = Vector512<T>.Count;
        int oH = g.OutHeight, oW = g.OutWidth, height = g.Height, width = g.Width, kW = g.KernelWidth;
        int blocks = (width + v - 1) / v;
        if (g.ColumnRows == 0 || oH <= 0 || oW <= 0)
        {
            x.Clear();
            return;
        }

        if (x.Length < g.ImageSize || columns.Length < ((g.ColumnRows - 1) * (long)rowStride) + (oH * oW))
        {
            throw new ArgumentException("Im2Col.FoldRowGroups: the columns or the image are shorter than the geometry.");
        }

        // Per block b of an input row: the lanes inside the row; per kernel column kj and block: the lanes whose output
        // column ow = iw − offset lies in kj's valid range, and that offset.
        Span<Vector512<T>> rowMasks = stackalloc Vector512<T>[MaxRowGroupMasks];
        Span<int> offsets = stackalloc int[kW];
        Vector512<T> indices = Vector512<T>.Indices;
        for (int b = 0; b < blocks; b++)
        {
            rowMasks[(kW * blocks) + b] = Vector512.LessThan(indices, Vector512.Create(T.CreateTruncating(width - (b * v))));
        }

        for (int kj = 0; kj < kW; kj++)
        {
            int offset = (kj * g.DilationWidth) - g.PadWidth;
            (int lo, int hi) = ValidRange(offset, 1, width, oW);
            offsets[kj] = offset;
            for (int b = 0; b < blocks; b++)
            {
                // Lane t of block b is input column iw = b·v + t, output column ow = iw − offset: valid when lo ≤ ow < hi.
                int first = lo + offset - (b * v), end = hi + offset - (b * v);
                rowMasks[(kj * blocks) + b] = lo >= hi
                    ? Vector512<T>.Zero
                    : Vector512.GreaterThanOrEqual(indices, Vector512.Create(T.CreateTruncating(first)))
                      & Vector512.LessThan(indices, Vector512.Create(T.CreateTruncating(end)));
            }
        }

        int padHeight = g.PadHeight, dilationHeight = g.DilationHeight, strideHeight = g.StrideHeight, kH = g.KernelHeight;
        fixed (T* source = columns)
        fixed (T* image = x)
        {
            for (int c = 0; c < g.Channels; c++)
            {
                T* plane = image + ((nint)c * height * width);
                T* channelRows = source + ((nint)c * g.KernelHeight * kW * rowStride);
                for (int ih = 0; ih < height; ih++)
                {
                    T* target = plane + ((nint)ih * width);
                    for (int b = 0; b < blocks; b++)
                    {
                        // Every term of this vector of input row ih, kernel row by kernel row: output row
                        // oh = (ih + padH − ki·dilationH) / strideH where that divides and lies inside the output.
                        Vector512<T> sum = Vector512<T>.Zero;
                        for (int ki = 0; ki < kH; ki++)
                        {
                            int reach = ih + padHeight - (ki * dilationHeight);
                            int oh = strideHeight == 1 ? reach : reach / strideHeight; // no division in the common case
                            if (reach < 0 || oh * strideHeight != reach || oh >= oH)
                            {
                                continue;
                            }

                            T* lines = channelRows + ((nint)ki * kW * rowStride) + ((nint)oh * oW) + (b * v);
                            for (int kj = 0; kj < kW; kj++)
                            {
                                // Lane t reads column row (ki, kj) at ow = b·v + t − offset; lanes outside the mask are
                                // not read.
                                sum += MaskLoad(lines + ((nint)kj * rowStride) - offsets[kj], rowMasks[(kj * blocks) + b]);
                            }
                        }

                        MaskStore(target + (b * v), rowMasks[(kW * blocks) + b], sum);
                    }
                }
            }
        }
    }

    // The lanes of p under mask (others +0); masked-out lanes are not accessed, so p may point outside the buffer there.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> MaskLoad<T>(T* p, Vector512<T> mask)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? Avx512F.MaskLoad((float*)p, mask.AsSingle(), Vector512<float>.Zero).As<float, T>()
        : Avx512F.MaskLoad((double*)p, mask.AsDouble(), Vector512<double>.Zero).As<double, T>();

    // Writes the lanes of value under mask to p.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaskStore<T>(T* p, Vector512<T> mask, Vector512<T> value)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            Avx512F.MaskStore((float*)p, mask.AsSingle(), value.AsSingle());
        }
        else
        {
            Avx512F.MaskStore((double*)p, mask.AsDouble(), value.AsDouble());
        }
    }
}
