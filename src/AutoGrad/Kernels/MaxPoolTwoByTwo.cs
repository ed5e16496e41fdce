using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

/// <summary>
/// Max pooling's common case, a 2×2 window with stride 2 and no padding, one plane at a time: the forward writes each
/// window's largest element, the gradient writes each window's four gradient elements (the incoming value at the picked
/// one, zero at the others) and zeros in the last row and column of odd sizes, without clearing the output first. Both
/// pick by the rule of <see cref="Pooling"/>: the window's elements in the order (0,0), (0,1), (1,0), (1,1), a later one
/// winning only when larger, or when it is NaN and the best so far is not.
/// </summary>
/// <remarks>
/// float32 runs eight windows per 512-bit vector where AVX-512 is supported and a row has at least eight windows, else
/// four per 256-bit vector: a row's elements hold windows' (0,0), (0,1) pairs at even and odd lanes; swapping neighbours
/// puts (0,1) beside (0,0) at the even lanes, so the chain of picks runs on whole vectors and its result is read at the
/// even lanes. The two widths keep separate bodies because the 512-bit one halves the instructions per window: the MNIST
/// <c>cnn</c>'s 26×26 forward took 278 against 364 µs for 64 images, its gradient 530 against 568 (one thread,
/// minimum of 250 alternating calls, 2026-11-30). "Beats" is two compares where x86 has them (not-less-or-equal, which
/// is true for a NaN candidate, and best-is-ordered). A row of enough windows ends with a vector step overlapping the
/// one before (the same picks again) instead of a scalar tail; float64 and shorter rows take a scalar loop. One call covers a
/// whole plane: one per pair of rows, with its span slicing and checks, cost more than the MNIST <c>cnn</c>'s 13 windows
/// of a row.
/// </remarks>
internal static unsafe class MaxPoolTwoByTwo
{
    /// <summary>
    /// The picks of every window of one plane (rows of <paramref name="w"/> elements at <paramref name="x"/>) into the
    /// <paramref name="oH"/> × <paramref name="oW"/> outputs at <paramref name="y"/>.
    /// </summary>
    public static void ForwardPlane<T>(T* x, int w, int oH, int oW, T* y)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Avx512F.IsSupported && oW >= 8)
        {
            ForwardPlane512((float*)x, w, oH, oW, (float*)y);
            return;
        }

        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated && oW >= 4)
        {
            ForwardPlaneVector((float*)x, w, oH, oW, (float*)y);
            return;
        }

        for (int oh = 0; oh < oH; oh++, x += 2 * w, y += oW)
        {
            T* u = x, l = x + w;
            for (int j = 0; j < oW; j++)
            {
                y[j] = Pick(Pick(Pick(u[2 * j], u[(2 * j) + 1]), l[2 * j]), l[(2 * j) + 1]);
            }
        }
    }

    /// <summary>
    /// The gradient of <see cref="ForwardPlane{T}"/> for one plane (H × W, picks from <paramref name="x"/>, window
    /// gradients <paramref name="dy"/>, oH × oW): writes all of <paramref name="dx"/>'s H × W elements.
    /// </summary>
    public static void BackwardPlane<T>(T* x, T* dy, T* dx, int h, int w, int oH, int oW)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        bool vectors = typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated && oW >= 4;
        bool wide = typeof(T) == typeof(float) && Avx512F.IsSupported && oW >= 8;
        for (int oh = 0; oh < oH; oh++)
        {
            T* u = x + (2 * oh * w), l = u + w, g = dy + (oh * oW), du = dx + (2 * oh * w), dl = du + w;
            if (wide)
            {
                BackwardRowPair512((float*)u, (float*)l, (float*)g, (float*)du, (float*)dl, oW);
            }
            else if (vectors)
            {
                BackwardRowPairVector((float*)u, (float*)l, (float*)g, (float*)du, (float*)dl, oW);
            }
            else
            {
                for (int j = 0; j < oW; j++)
                {
                    T a = u[2 * j], b = u[(2 * j) + 1], c = l[2 * j], d = l[(2 * j) + 1];
                    int picked = Beats(d, Pick(Pick(a, b), c)) ? 3 : Beats(c, Pick(a, b)) ? 2 : Beats(b, a) ? 1 : 0;
                    du[2 * j] = picked == 0 ? g[j] : T.Zero;
                    du[(2 * j) + 1] = picked == 1 ? g[j] : T.Zero;
                    dl[2 * j] = picked == 2 ? g[j] : T.Zero;
                    dl[(2 * j) + 1] = picked == 3 ? g[j] : T.Zero;
                }
            }

            for (int q = 2 * oW; q < w; q++)
            {
                du[q] = T.Zero;
                dl[q] = T.Zero;
            }
        }

        new Span<T>(dx + (2 * oH * w), (h - (2 * oH)) * w).Clear();
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

    private static void ForwardPlaneVector(float* x, int w, int oH, int oW, float* y)
    {
        Vector256<int> swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        Vector256<int> evens = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);
        for (int oh = 0; oh < oH; oh++, x += 2 * w, y += oW)
        {
            float* u = x, l = x + w;
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

    // One pair of rows' oW ≥ 4 windows: dy[j] at each window's picked element of du/dl, zero at its other three.
    private static void BackwardRowPairVector(float* u, float* l, float* g, float* du, float* dl, int oW)
    {
        Vector256<int> swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        Vector256<int> pairs = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
        Vector256<float> even = Vector256.Create(-1, 0, -1, 0, -1, 0, -1, 0).AsSingle();
        for (int j = 0; ; j += 4)
        {
            j = Math.Min(j, oW - 4);
            Vector256<float> a = Vector256.Load(u + (2 * j)), c = Vector256.Load(l + (2 * j));
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

    // ForwardPlaneVector with eight windows per step, for rows of oW ≥ 8.
    private static void ForwardPlane512(float* x, int w, int oH, int oW, float* y)
    {
        Vector512<int> swap = Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
        Vector512<int> evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
        for (int oh = 0; oh < oH; oh++, x += 2 * w, y += oW)
        {
            float* u = x, l = x + w;
            for (int j = 0; ; j += 8)
            {
                j = Math.Min(j, oW - 8);
                Vector512<float> a = Vector512.Load(u + (2 * j)), c = Vector512.Load(l + (2 * j));
                Vector512<float> b = Vector512.Shuffle(a, swap), d = Vector512.Shuffle(c, swap);
                Vector512<float> best = Vector512.ConditionalSelect(Beats(b, a), b, a);
                best = Vector512.ConditionalSelect(Beats(c, best), c, best);
                best = Vector512.ConditionalSelect(Beats(d, best), d, best);
                Vector512.Shuffle(best, evens).GetLower().Store(y + j);
                if (j == oW - 8)
                {
                    break;
                }
            }
        }
    }

    // BackwardRowPairVector with eight windows per step, for rows of oW ≥ 8.
    private static void BackwardRowPair512(float* u, float* l, float* g, float* du, float* dl, int oW)
    {
        Vector512<int> swap = Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
        Vector512<int> pairs = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        Vector512<float> even = Vector512.Create(-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0).AsSingle();
        for (int j = 0; ; j += 8)
        {
            j = Math.Min(j, oW - 8);
            Vector512<float> a = Vector512.Load(u + (2 * j)), c = Vector512.Load(l + (2 * j));
            Vector512<float> b = Vector512.Shuffle(a, swap), d = Vector512.Shuffle(c, swap);
            Vector512<float> takesB = Beats(b, a);
            Vector512<float> best = Vector512.ConditionalSelect(takesB, b, a);
            Vector512<float> takesC = Beats(c, best);
            best = Vector512.ConditionalSelect(takesC, c, best);
            Vector512<float> takesD = Beats(d, best);
            Vector512<float> isD = takesD, isC = Vector512.AndNot(takesC, takesD), isB = Vector512.AndNot(Vector512.AndNot(takesB, takesC), takesD);
            Vector512<float> isA = ~(takesB | takesC | takesD);
            Vector512<float> gradient = Vector512.Shuffle(Vector256.Load(g + j).ToVector512Unsafe(), pairs);
            Vector512<float> upperMask = Vector512.ConditionalSelect(even, isA, Vector512.Shuffle(isB, swap));
            Vector512<float> lowerMask = Vector512.ConditionalSelect(even, isC, Vector512.Shuffle(isD, swap));
            (upperMask & gradient).Store(du + (2 * j));
            (lowerMask & gradient).Store(dl + (2 * j));
            if (j == oW - 8)
            {
                break;
            }
        }
    }

    // All-ones lanes where v beats best: not (v ≤ best), which holds for a NaN v, while best is not NaN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Beats(Vector512<float> v, Vector512<float> best) =>
        Avx512F.CompareNotLessThanOrEqual(v, best) & Avx512F.CompareOrdered(best, best);

    // All-ones lanes where v beats best (see Beats): v > best, or v is NaN and best is not.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Beats(Vector256<float> v, Vector256<float> best) =>
        Avx.IsSupported
            ? Avx.Compare(v, best, FloatComparisonMode.UnorderedNotLessThanOrEqualNonSignaling) & Avx.Compare(best, best, FloatComparisonMode.OrderedNonSignaling)
            : Vector256.GreaterThan(v, best) | Vector256.AndNot(~Vector256.Equals(v, v), ~Vector256.Equals(best, best));
}
