using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

/// <summary>
/// Max pooling's common case, a 2×2 window with stride 2 and no padding, one pair of input rows at a time: the forward
/// writes each window's largest element, the gradient writes each window's four gradient elements (the incoming value
/// at the picked one, zero at the others) without clearing the output first. Both pick by the rule of
/// <see cref="Pooling"/>: the window's elements in the order (0,0), (0,1), (1,0), (1,1), a later one winning only when
/// larger, or when it is NaN and the best so far is not.
/// </summary>
/// <remarks>
/// float32 runs four windows per 256-bit vector: a row's eight elements hold windows' (0,0), (0,1) pairs at even and odd
/// lanes; swapping neighbours puts (0,1) beside (0,0) at the even lanes, so the chain of picks runs on whole vectors and
/// its result is read at the even lanes. A scalar loop takes float64 and, in the row methods, the windows left over at
/// the end of a row; the float32 plane methods (what the pooling ops run) end a row of at least four windows with a
/// vector step overlapping the one before instead.
/// </remarks>
internal static class MaxPoolTwoByTwo
{
    /// <summary>destination[j] = the pick of upper[2j], upper[2j + 1], lower[2j], lower[2j + 1] for j &lt; destination.Length.</summary>
    public static void ForwardRow<T>(ReadOnlySpan<T> upper, ReadOnlySpan<T> lower, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int windows = destination.Length;
        if (upper.Length < 2 * windows || lower.Length < 2 * windows)
        {
            throw new ArgumentException("MaxPoolTwoByTwo.ForwardRow: the input rows are shorter than two elements per window.");
        }

        int j = 0;
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            j = ForwardRowVector(
                MemoryMarshal.Cast<T, float>(upper), MemoryMarshal.Cast<T, float>(lower), MemoryMarshal.Cast<T, float>(destination));
        }

        for (; j < windows; j++)
        {
            T best = upper[2 * j];
            best = Pick(best, upper[(2 * j) + 1]);
            best = Pick(best, lower[2 * j]);
            destination[j] = Pick(best, lower[(2 * j) + 1]);
        }
    }

    /// <summary>
    /// The gradient of <see cref="ForwardRow{T}"/> for <paramref name="dy"/>.Length windows: writes elements
    /// [0, 2·windows) of <paramref name="dUpper"/> and <paramref name="dLower"/> (dy[j] at window j's picked element, zero
    /// at its other three).
    /// </summary>
    public static void BackwardRow<T>(ReadOnlySpan<T> upper, ReadOnlySpan<T> lower, ReadOnlySpan<T> dy, Span<T> dUpper, Span<T> dLower)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int windows = dy.Length;
        if (upper.Length < 2 * windows || lower.Length < 2 * windows || dUpper.Length < 2 * windows || dLower.Length < 2 * windows)
        {
            throw new ArgumentException("MaxPoolTwoByTwo.BackwardRow: a row is shorter than two elements per window.");
        }

        int j = 0;
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            j = BackwardRowVector(
                MemoryMarshal.Cast<T, float>(upper), MemoryMarshal.Cast<T, float>(lower), MemoryMarshal.Cast<T, float>(dy),
                MemoryMarshal.Cast<T, float>(dUpper), MemoryMarshal.Cast<T, float>(dLower));
        }

        for (; j < windows; j++)
        {
            T a = upper[2 * j], b = upper[(2 * j) + 1], c = lower[2 * j], d = lower[(2 * j) + 1];
            int picked = 0;
            T best = a;
            if (Beats(b, best))
            {
                (best, picked) = (b, 1);
            }

            if (Beats(c, best))
            {
                (best, picked) = (c, 2);
            }

            if (Beats(d, best))
            {
                picked = 3;
            }

            T g = dy[j];
            dUpper[2 * j] = picked == 0 ? g : T.Zero;
            dUpper[(2 * j) + 1] = picked == 1 ? g : T.Zero;
            dLower[2 * j] = picked == 2 ? g : T.Zero;
            dLower[(2 * j) + 1] = picked == 3 ? g : T.Zero;
        }
    }

    /// <summary>
    /// <see cref="ForwardRow{T}"/> over every pair of rows of one float32 plane (row length <paramref name="w"/>) into
    /// <paramref name="oH"/> × <paramref name="oW"/> outputs: one call per plane rather than per pair of rows, which for the
    /// MNIST <c>cnn</c>'s 26-wide rows cost more than the windows themselves. A row of at least four windows ends with a
    /// vector step that overlaps the one before (the same picks again) instead of a scalar tail.
    /// </summary>
    internal static unsafe void ForwardPlane(float* x, int w, int oH, int oW, float* y)
    {
        bool vectors = Vector256.IsHardwareAccelerated && oW >= 4;
        Vector256<int> swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        Vector256<int> evens = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);
        for (int oh = 0; oh < oH; oh++, x += 2 * w, y += oW)
        {
            float* u = x, l = x + w;
            if (!vectors)
            {
                for (int j = 0; j < oW; j++)
                {
                    y[j] = Pick(Pick(Pick(u[2 * j], u[(2 * j) + 1]), l[2 * j]), l[(2 * j) + 1]);
                }

                continue;
            }

            for (int j = 0; ; j += 4)
            {
                j = Math.Min(j, oW - 4);
                Vector256<float> a = Vector256.Load(u + (2 * j)), c = Vector256.Load(l + (2 * j));
                Vector256<float> best = a;
                best = Vector256.ConditionalSelect(Beats(Vector256.Shuffle(a, swap), best), Vector256.Shuffle(a, swap), best);
                best = Vector256.ConditionalSelect(Beats(c, best), c, best);
                best = Vector256.ConditionalSelect(Beats(Vector256.Shuffle(c, swap), best), Vector256.Shuffle(c, swap), best);
                Vector256.Shuffle(best, evens).GetLower().Store(y + j);
                if (j == oW - 4)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// <see cref="BackwardRow{T}"/> over every pair of rows of one float32 plane (H × W, picks from <paramref name="x"/>,
    /// window gradients <paramref name="dy"/>, oH × oW), writing all of <paramref name="dx"/>'s H × W elements: zeros in
    /// the last row and column of odd sizes. One call per plane, and overlapping last vector steps, as
    /// <see cref="ForwardPlane"/>.
    /// </summary>
    internal static unsafe void BackwardPlane(float* x, float* dy, float* dx, int h, int w, int oH, int oW)
    {
        bool vectors = Vector256.IsHardwareAccelerated && oW >= 4;
        Vector256<int> swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        Vector256<int> pairs = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
        Vector256<float> even = Vector256.Create(-1, 0, -1, 0, -1, 0, -1, 0).AsSingle();
        for (int oh = 0; oh < oH; oh++)
        {
            float* u = x + (2 * oh * w), l = u + w, g = dy + (oh * oW), du = dx + (2 * oh * w), dl = du + w;
            if (vectors)
            {
                for (int j = 0; ; j += 4)
                {
                    j = Math.Min(j, oW - 4);
                    Vector256<float> a = Vector256.Load(u + (2 * j)), c = Vector256.Load(l + (2 * j));
                    Vector256<float> b = Vector256.Shuffle(a, swap), d = Vector256.Shuffle(c, swap);
                    Vector256<float> takesB = Beats(b, a);
                    Vector256<float> best = Vector256.ConditionalSelect(takesB, b, a);
                    Vector256<float> takesC = Beats(c, best);
                    best = Vector256.ConditionalSelect(takesC, c, best);
                    Vector256<float> takesD = Beats(d, best);
                    Vector256<float> isD = takesD, isC = Vector256.AndNot(takesC, takesD), isB = Vector256.AndNot(Vector256.AndNot(takesB, takesC), takesD);
                    Vector256<float> isA = ~(takesB | takesC | takesD);
                    Vector256<float> gradient = Vector256.Shuffle(Vector128.Load(g + j).ToVector256Unsafe(), pairs);
                    Vector256<float> upperMask = Vector256.ConditionalSelect(even, isA, Vector256.Shuffle(isB, swap));
                    Vector256<float> lowerMask = Vector256.ConditionalSelect(even, isC, Vector256.Shuffle(isD, swap));
                    (upperMask & gradient).Store(du + (2 * j));
                    (lowerMask & gradient).Store(dl + (2 * j));
                    if (j == oW - 4)
                    {
                        break;
                    }
                }
            }
            else
            {
                for (int j = 0; j < oW; j++)
                {
                    float a = u[2 * j], b = u[(2 * j) + 1], c = l[2 * j], d = l[(2 * j) + 1];
                    int picked = Beats(d, Pick(Pick(a, b), c)) ? 3 : Beats(c, Pick(a, b)) ? 2 : Beats(b, a) ? 1 : 0;
                    du[2 * j] = picked == 0 ? g[j] : 0f;
                    du[(2 * j) + 1] = picked == 1 ? g[j] : 0f;
                    dl[2 * j] = picked == 2 ? g[j] : 0f;
                    dl[(2 * j) + 1] = picked == 3 ? g[j] : 0f;
                }
            }

            for (int q = 2 * oW; q < w; q++)
            {
                du[q] = 0f;
                dl[q] = 0f;
            }
        }

        new Span<float>(dx + (2 * oH * w), (h - (2 * oH)) * w).Clear();
    }

    /// <summary>Whether <paramref name="v"/> replaces <paramref name="best"/>: it is larger, or NaN while best is not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Beats<T>(T v, T best)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        v > best || (T.IsNaN(v) && !T.IsNaN(best));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Pick<T>(T best, T v)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Beats(v, best) ? v : best;

    // Returns the windows done (a multiple of 4).
    private static int ForwardRowVector(ReadOnlySpan<float> upper, ReadOnlySpan<float> lower, Span<float> destination)
    {
        ref float u = ref MemoryMarshal.GetReference(upper);
        ref float l = ref MemoryMarshal.GetReference(lower);
        ref float y = ref MemoryMarshal.GetReference(destination);
        Vector256<int> swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        Vector256<int> evens = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);
        int j = 0;
        for (; j <= destination.Length - 4; j += 4)
        {
            Vector256<float> a = Vector256.LoadUnsafe(ref u, (nuint)(2 * j));
            Vector256<float> c = Vector256.LoadUnsafe(ref l, (nuint)(2 * j));
            Vector256<float> best = a;
            best = Vector256.ConditionalSelect(Beats(Vector256.Shuffle(a, swap), best), Vector256.Shuffle(a, swap), best);
            best = Vector256.ConditionalSelect(Beats(c, best), c, best);
            best = Vector256.ConditionalSelect(Beats(Vector256.Shuffle(c, swap), best), Vector256.Shuffle(c, swap), best);
            Vector256.Shuffle(best, evens).GetLower().StoreUnsafe(ref y, (nuint)j);
        }

        return j;
    }

    private static int BackwardRowVector(ReadOnlySpan<float> upper, ReadOnlySpan<float> lower, ReadOnlySpan<float> dy, Span<float> dUpper, Span<float> dLower)
    {
        ref float u = ref MemoryMarshal.GetReference(upper);
        ref float l = ref MemoryMarshal.GetReference(lower);
        ref float g = ref MemoryMarshal.GetReference(dy);
        ref float du = ref MemoryMarshal.GetReference(dUpper);
        ref float dl = ref MemoryMarshal.GetReference(dLower);
        Vector256<int> swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        Vector256<int> pairs = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
        Vector256<float> even = Vector256.Create(-1, 0, -1, 0, -1, 0, -1, 0).AsSingle();
        int j = 0;
        for (; j <= dy.Length - 4; j += 4)
        {
            Vector256<float> a = Vector256.LoadUnsafe(ref u, (nuint)(2 * j));
            Vector256<float> c = Vector256.LoadUnsafe(ref l, (nuint)(2 * j));
            Vector256<float> b = Vector256.Shuffle(a, swap), d = Vector256.Shuffle(c, swap);

            // At even lanes: a, b, c, d are one window's (0,0), (0,1), (1,0), (1,1); the masks say which pick replaced the best.
            Vector256<float> takesB = Beats(b, a);
            Vector256<float> best = Vector256.ConditionalSelect(takesB, b, a);
            Vector256<float> takesC = Beats(c, best);
            best = Vector256.ConditionalSelect(takesC, c, best);
            Vector256<float> takesD = Beats(d, best);
            Vector256<float> isD = takesD, isC = Vector256.AndNot(takesC, takesD), isB = Vector256.AndNot(Vector256.AndNot(takesB, takesC), takesD);
            Vector256<float> isA = ~(takesB | takesC | takesD);

            // Each window's dy at both of its lanes; odd lanes take the (0,1)/(1,1) answers moved over from the even lanes.
            Vector256<float> gradient = Vector256.Shuffle(Vector128.LoadUnsafe(ref g, (nuint)j).ToVector256Unsafe(), pairs);
            Vector256<float> upperMask = Vector256.ConditionalSelect(even, isA, Vector256.Shuffle(isB, swap));
            Vector256<float> lowerMask = Vector256.ConditionalSelect(even, isC, Vector256.Shuffle(isD, swap));
            (upperMask & gradient).StoreUnsafe(ref du, (nuint)(2 * j));
            (lowerMask & gradient).StoreUnsafe(ref dl, (nuint)(2 * j));
        }

        return j;
    }

    // All-ones lanes where v beats best (see Beats): v > best, or v is NaN and best is not.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Beats(Vector256<float> v, Vector256<float> best) =>
        Vector256.GreaterThan(v, best) | Vector256.AndNot(~Vector256.Equals(v, v), ~Vector256.Equals(best, best));
}
