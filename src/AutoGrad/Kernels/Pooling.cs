using System.Numerics;
using System.Runtime.CompilerServices;

namespace AutoGrad.Kernels;

/// <summary>
/// Window searches for max pooling over NCHW batches. All three kernels pick a window's element by the same rule
/// (<see cref="ArgMax{T}"/>), so the forward's value, its gradient's scatter and the index op always agree.
/// </summary>
internal static partial class Pooling
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
                for (int ow = 0; ow < oW; ow++, o++)
                {
                    destination[o] = ArgMax(plane, g, oh, ow);
                }
            }
        }
    }

    /// <summary>
    /// Max pooling in one pass: each window's largest element (chosen as in <see cref="MaxIndices{T}"/>) written to
    /// <paramref name="destination"/> (planes × oH × oW).
    /// </summary>
    public static void MaxForward<T>(ReadOnlySpan<T> x, int planes, in ConvGeometry g, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (IsPlainTwoByTwo(g))
        {
            TwoByTwoOverPlanes(backward: false, [], x, planes, g.Height, g.Width, g.OutHeight, g.OutWidth, destination);
            return;
        }

        MaxForwardAnyWindow(x, planes, g, destination);
    }

    /// <summary><see cref="MaxForward{T}"/> by a search of each window, for any window (the 2×2 fast path's baseline in benchmarks).</summary>
    internal static void MaxForwardAnyWindow<T>(ReadOnlySpan<T> x, int planes, in ConvGeometry g, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int h = g.Height, w = g.Width, oH = g.OutHeight, oW = g.OutWidth;
        int o = 0;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> plane = x.Slice(p * h * w, h * w);
            for (int oh = 0; oh < oH; oh++)
            {
                for (int ow = 0; ow < oW; ow++, o++)
                {
                    destination[o] = plane[ArgMax(plane, g, oh, ow)];
                }
            }
        }
    }

    /// <summary>
    /// The gradient of <see cref="MaxForward{T}"/> in one pass: clears <paramref name="dx"/> (planes × H × W), then adds
    /// each window's incoming gradient <paramref name="dy"/> onto the element the forward picked (overlapping windows
    /// that pick the same element add up); then <paramref name="epilogue"/>, if any, on each finished run of planes
    /// (dx seen as the planes × H·W matrix), while they are still in cache.
    /// </summary>
    public static void MaxBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, int planes, in ConvGeometry g, Span<T> dx,
        IGemmEpilogue<T>? epilogue = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (IsPlainTwoByTwo(g))
        {
            TwoByTwoOverPlanes(backward: true, dy, x, planes, g.Height, g.Width, g.OutHeight, g.OutWidth, dx, epilogue);
            return;
        }

        MaxBackwardAnyWindow(dy, x, planes, g, dx, epilogue);
    }

    /// <summary><see cref="MaxBackward{T}"/> by clearing dx and adding at each window's search result, for any window (the baseline in benchmarks).</summary>
    internal static void MaxBackwardAnyWindow<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, int planes, in ConvGeometry g, Span<T> dx,
        IGemmEpilogue<T>? epilogue = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int h = g.Height, w = g.Width, oH = g.OutHeight, oW = g.OutWidth;
        dx.Clear();
        int o = 0;
        var runs = new EpilogueRuns<T>(epilogue, dx, h * w, 0);
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> plane = x.Slice(p * h * w, h * w);
            Span<T> target = dx.Slice(p * h * w, h * w);
            for (int oh = 0; oh < oH; oh++)
            {
                for (int ow = 0; ow < oW; ow++, o++)
                {
                    target[ArgMax(plane, g, oh, ow)] += dy[o];
                }
            }

            runs.Finished(p);
        }

        runs.Flush(planes);
    }

    /// <summary>
    /// The flat index in <paramref name="plane"/> of window (oh, ow)'s largest element: padding never wins, ties go to
    /// the first element in row-major window order, and a NaN wins over any number (so NaN propagates).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ArgMax<T>(ReadOnlySpan<T> plane, in ConvGeometry g, int oh, int ow)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int w = g.Width;
        int top = (oh * g.StrideHeight) - g.PadHeight, left = (ow * g.StrideWidth) - g.PadWidth;
        int rowLo = Math.Max(top, 0), rowHi = Math.Min(top + g.KernelHeight, g.Height);
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

        return best;
    }

    // The common 2×2 window with stride 2 and no padding whose windows all lie inside the input (floor mode, or ceil mode
    // that adds no partial window): a branch-light loop over pairs of rows.
    private static bool IsPlainTwoByTwo(in ConvGeometry g) =>
        g is { KernelHeight: 2, KernelWidth: 2, StrideHeight: 2, StrideWidth: 2, PadHeight: 0, PadWidth: 0 }
        && g.OutHeight * 2 <= g.Height && g.OutWidth * 2 <= g.Width;

    internal static void MaxForwardTwoByTwo<T>(ReadOnlySpan<T> x, int planes, int h, int w, int oH, int oW, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, destination.Length, planes * h * w, planes * oH * oW);
        unsafe
        {
            fixed (T* px = x)
            fixed (T* py = destination)
            {
                for (int p = 0; p < planes; p++)
                {
                    MaxPoolTwoByTwo.ForwardPlane(px + (p * h * w), w, oH, oW, py + (p * oH * oW));
                }
            }
        }
    }

    // The pointer kernels read and write whole planes: the spans must hold them.
    private static void CheckLengths(int input, int output, int inputNeeded, int outputNeeded)
    {
        if (input < inputNeeded || output < outputNeeded)
        {
            throw new ArgumentException($"2×2 max pooling: buffers of {input} and {output} elements, planes need {inputNeeded} and {outputNeeded}.");
        }
    }

    // Every element of dx is written once (the windows do not overlap), so no clearing pass: the rows and columns beyond
    // the last window (odd sizes) get zeros.
    internal static void MaxBackwardTwoByTwo<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, int planes, int h, int w, int oH, int oW, Span<T> dx)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        MaxBackwardTwoByTwo(dy, x, planes, h, w, oH, oW, dx, new EpilogueRuns<T>(null, default, 0, 0));

    /// <summary>
    /// <see cref="MaxBackwardTwoByTwo{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, int, int, int, int, int, Span{T})"/>, handing
    /// each finished run of planes to <paramref name="runs"/>.
    /// </summary>
    internal static void MaxBackwardTwoByTwo<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, int planes, int h, int w, int oH, int oW, Span<T> dx,
        EpilogueRuns<T> runs)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckLengths(Math.Min(x.Length, dx.Length), dy.Length, planes * h * w, planes * oH * oW);
        unsafe
        {
            fixed (T* px = x)
            fixed (T* pdy = dy)
            fixed (T* pdx = dx)
            {
                for (int p = 0; p < planes; p++)
                {
                    MaxPoolTwoByTwo.BackwardPlane(px + (p * h * w), pdy + (p * oH * oW), pdx + (p * h * w), h, w, oH, oW);
                    runs.Finished(p);
                }
            }
        }

        runs.Flush(planes);
    }
}

/// <summary>
/// Hands finished planes of a pooling gradient to an epilogue in runs of at least <see cref="MinElements"/> elements
/// (planes × H·W matrix rows from <c>row0</c>), so a small plane's epilogue call costs little and a run is still in L1.
/// </summary>
internal ref struct EpilogueRuns<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Elements per run (16 KB of float32).</summary>
    public const int MinElements = 4096;

    private readonly IGemmEpilogue<T>? _epilogue;
    private readonly Span<T> _all;
    private readonly int _plane;
    private readonly int _row0;
    private int _start;

    /// <summary>Runs for the planes of <paramref name="all"/> (plane elements each) that a kernel writes as its planes 0, 1, …,
    /// which are matrix rows <paramref name="row0"/>, <paramref name="row0"/> + 1, … of the whole output.</summary>
    public EpilogueRuns(IGemmEpilogue<T>? epilogue, Span<T> all, int plane, int row0)
    {
        _all = all;
        (_epilogue, _plane, _row0, _start) = (epilogue, plane, row0, 0);
    }

    /// <summary>Plane <paramref name="p"/> (counted from the kernel's first) is final.</summary>
    public void Finished(int p)
    {
        if (_epilogue is not null && (long)(p + 1 - _start) * _plane >= MinElements)
        {
            Flush(p + 1);
        }
    }

    /// <summary>Runs the epilogue on the planes finished before <paramref name="end"/> not yet handed over.</summary>
    public void Flush(int end)
    {
        if (_epilogue is not null && end > _start)
        {
            _epilogue.Apply(_all, _plane, _row0 + _start, end - _start, 0, _plane);
            _start = end;
        }
    }
}
