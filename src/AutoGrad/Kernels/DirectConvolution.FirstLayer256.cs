using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

/// <summary>
/// The first-layer kernels (<see cref="Forward"/>, <see cref="AccumulateFilterGrad"/>) on 256-bit vectors.
/// </summary>
/// <remarks>
/// <para>Forward: each output row in 8-wide vectors (the last one ending at the row's end), two vectors × four channels
/// per block: per tap, two input loads and four broadcast weights feed eight FMAs. Each output is summed from zero over
/// the taps in order and then gets its bias, as in the 512-bit kernel and the im2col GEMM, so all three give the same
/// bits.</para>
/// <para>Filter gradient: the 512-bit kernel's 16-lane accumulators, each as two 8-lane halves over the same 16-wide
/// steps and masks, reduced by <see cref="LaneSums.Sum16"/> in <see cref="Vector512.Sum{T}(Vector512{T})"/>'s order, so
/// the two widths add the same bits to the weights. Two channels by two taps at a time: eight accumulators, and per step
/// four output-gradient loads and four input loads feed eight FMAs (two by three would need eighteen registers, and
/// spilled).</para>
/// </remarks>
internal static unsafe partial class DirectConvolution
{
    // Forward: one output row's 8-wide vectors in pairs, four channels per block.
    private static void ForwardRow256(float* row, float* w, int k, int* off, float* target, int l, int ow, int channels, float* bias)
    {
        int vectors = (ow + 7) / 8;
        for (int v = 0; v < vectors; v += 2)
        {
            int first = Start8(v, vectors, ow), second = Start8(Math.Min(v + 1, vectors - 1), vectors, ow);
            int c = 0;
            for (; c + 4 <= channels; c += 4)
            {
                FourChannels256(row + first, row + second, w + (c * k), k, off, target + (c * l) + first, target + (c * l) + second, l,
                    bias == null ? null : bias + c);
            }

            for (; c < channels; c++)
            {
                OneChannel256(row + first, row + second, w + (c * k), k, off, target + (c * l) + first, target + (c * l) + second,
                    bias == null ? null : bias + c);
            }
        }
    }

    // Vector v of a row in 8-wide vectors: 8·v, except the last, which ends at the row's end.
    private static int Start8(int v, int vectors, int ow) => v == vectors - 1 ? ow - 8 : v * 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourChannels256(float* a, float* b, float* w, int k, int* off, float* ya, float* yb, int l, float* bias)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        for (int t = 0; t < k; t++)
        {
            Vector256<float> va = Vector256.Load(a + off[t]), vb = Vector256.Load(b + off[t]);
            float* wt = w + t;
            Vector256<float> x = Vector256.Create(wt[0]);
            a0 = Vector256.FusedMultiplyAdd(x, va, a0);
            b0 = Vector256.FusedMultiplyAdd(x, vb, b0);
            x = Vector256.Create(wt[k]);
            a1 = Vector256.FusedMultiplyAdd(x, va, a1);
            b1 = Vector256.FusedMultiplyAdd(x, vb, b1);
            x = Vector256.Create(wt[2 * k]);
            a2 = Vector256.FusedMultiplyAdd(x, va, a2);
            b2 = Vector256.FusedMultiplyAdd(x, vb, b2);
            x = Vector256.Create(wt[3 * k]);
            a3 = Vector256.FusedMultiplyAdd(x, va, a3);
            b3 = Vector256.FusedMultiplyAdd(x, vb, b3);
        }

        if (bias != null)
        {
            // Added to the finished sum, as the im2col path's bias pass does.
            Vector256<float> v0 = Vector256.Create(bias[0]), v1 = Vector256.Create(bias[1]);
            Vector256<float> v2 = Vector256.Create(bias[2]), v3 = Vector256.Create(bias[3]);
            (a0, b0, a1, b1) = (a0 + v0, b0 + v0, a1 + v1, b1 + v1);
            (a2, b2, a3, b3) = (a2 + v2, b2 + v2, a3 + v3, b3 + v3);
        }

        // The first vector is stored before the second, so where they overlap the second's equal values land last.
        a0.Store(ya); a1.Store(ya + l); a2.Store(ya + (2 * l)); a3.Store(ya + (3 * l));
        b0.Store(yb); b1.Store(yb + l); b2.Store(yb + (2 * l)); b3.Store(yb + (3 * l));
    }

    private static void OneChannel256(float* a, float* b, float* w, int k, int* off, float* ya, float* yb, float* bias)
    {
        Vector256<float> sa = default, sb = default;
        for (int t = 0; t < k; t++)
        {
            Vector256<float> wt = Vector256.Create(w[t]);
            sa = Vector256.FusedMultiplyAdd(wt, Vector256.Load(a + off[t]), sa);
            sb = Vector256.FusedMultiplyAdd(wt, Vector256.Load(b + off[t]), sb);
        }

        if (bias != null)
        {
            (sa, sb) = (sa + Vector256.Create(*bias), sb + Vector256.Create(*bias));
        }

        sa.Store(ya);
        sb.Store(yb);
    }

    // Filter gradient: partial[c·k + t] += Σ over positions of dy[c]·x[p + off(t)] for the image, channels in pairs by
    // taps in pairs, the rest one by one; 16-wide steps as in the 512-bit kernel, each as two 8-lane halves.
    private static void FilterGradImage256(float* x, float* d, float* partial, int outChannels, int k, int* offsets, int oh, int ow, int width,
        int l, Vector512<float> lastMask)
    {
        int vectors = (ow + 15) / 16;
        Vector256<float> loMask = lastMask.GetLower(), hiMask = lastMask.GetUpper();
        int o0 = 0;
        for (; o0 + 2 <= outChannels; o0 += 2)
        {
            float* dy = d + (o0 * l);
            float* target = partial + (o0 * k);
            int t = 0;
            for (; t + 2 <= k; t += 2)
            {
                TwoByTaps256<Count2>(x + offsets[t], x + offsets[t + 1], dy, l, oh, ow, width, vectors, loMask, hiMask, target + t, k);
            }

            if (t < k)
            {
                TwoByTaps256<Count1>(x + offsets[t], x + offsets[t], dy, l, oh, ow, width, vectors, loMask, hiMask, target + t, k);
            }
        }

        for (; o0 < outChannels; o0++)
        {
            for (int t = 0; t < k; t++)
            {
                partial[(o0 * k) + t] += OneSum256(x + offsets[t], d + (o0 * l), oh, ow, width, vectors, loMask, hiMask);
            }
        }
    }

    // Two channels by TTaps.Value (one or two) taps: eight accumulators (each the 512-bit kernel's accumulator of a
    // channel and tap as two halves), four output-gradient loads and four input loads per eight FMAs, in sixteen registers.
    private static void TwoByTaps256<TTaps>(float* x0, float* x1, float* d, int l, int oh, int ow, int width, int vectors,
        Vector256<float> loMask, Vector256<float> hiMask, float* target, int k)
        where TTaps : struct, IFixedCount
    {
        bool second = TTaps.Value > 1;
        // s{channel}{tap}{half}: lanes 0–7 and 8–15.
        Vector256<float> s00l = default, s00h = default, s01l = default, s01h = default;
        Vector256<float> s10l = default, s10h = default, s11l = default, s11h = default;
        for (int r = 0; r < oh; r++)
        {
            int rowOffset = r * width;
            float* dr = d + (r * ow);
            for (int v = 0; v < vectors; v++)
            {
                int start = Start(v, vectors, ow);
                float* dv = dr + start;
                Vector256<float> d0l = Vector256.Load(dv), d0h = Vector256.Load(dv + 8);
                Vector256<float> d1l = Vector256.Load(dv + l), d1h = Vector256.Load(dv + l + 8);
                if (v == vectors - 1)
                {
                    // Masking the output gradients masks every product of the vector.
                    (d0l, d0h, d1l, d1h) = (d0l & loMask, d0h & hiMask, d1l & loMask, d1h & hiMask);
                }

                float* xa = x0 + rowOffset + start;
                Vector256<float> lo = Vector256.Load(xa), hi = Vector256.Load(xa + 8);
                s00l = Vector256.FusedMultiplyAdd(d0l, lo, s00l);
                s00h = Vector256.FusedMultiplyAdd(d0h, hi, s00h);
                s10l = Vector256.FusedMultiplyAdd(d1l, lo, s10l);
                s10h = Vector256.FusedMultiplyAdd(d1h, hi, s10h);
                if (second)
                {
                    float* xb = x1 + rowOffset + start;
                    lo = Vector256.Load(xb);
                    hi = Vector256.Load(xb + 8);
                    s01l = Vector256.FusedMultiplyAdd(d0l, lo, s01l);
                    s01h = Vector256.FusedMultiplyAdd(d0h, hi, s01h);
                    s11l = Vector256.FusedMultiplyAdd(d1l, lo, s11l);
                    s11h = Vector256.FusedMultiplyAdd(d1h, hi, s11h);
                }
            }
        }

        target[0] += LaneSums.Sum16(s00l, s00h);
        target[k] += LaneSums.Sum16(s10l, s10h);
        if (second)
        {
            target[1] += LaneSums.Sum16(s01l, s01h);
            target[k + 1] += LaneSums.Sum16(s11l, s11h);
        }
    }

    private static float OneSum256(float* input, float* d, int oh, int ow, int width, int vectors, Vector256<float> loMask, Vector256<float> hiMask)
    {
        Vector256<float> lo = default, hi = default;
        for (int r = 0; r < oh; r++)
        {
            for (int v = 0; v < vectors; v++)
            {
                int start = Start(v, vectors, ow);
                float* xv = input + (r * width) + start;
                Vector256<float> xl = Vector256.Load(xv), xh = Vector256.Load(xv + 8);
                if (v == vectors - 1)
                {
                    (xl, xh) = (xl & loMask, xh & hiMask);
                }

                float* dv = d + (r * ow) + start;
                lo = Vector256.FusedMultiplyAdd(Vector256.Load(dv), xl, lo);
                hi = Vector256.FusedMultiplyAdd(Vector256.Load(dv + 8), xh, hi);
            }
        }

        return LaneSums.Sum16(lo, hi);
    }
}
