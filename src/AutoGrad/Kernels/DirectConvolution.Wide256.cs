using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

/// <summary>
/// The register blocks of the wide forward and filter gradient (<see cref="ForwardWide"/>,
/// <see cref="AccumulateFilterGradWide"/>) on 256-bit vectors. Sixteen registers hold six outputs × 16 channels (two
/// vectors each), not the 512-bit blocks' six × 64, so each runs four times per block of 64 channels, on the same
/// position-major tiles. Every output and every weight gradient is summed in the 512-bit kernels' order (per lane, taps or
/// positions ascending from zero), so the two widths give the same bits (tested).
/// </summary>
internal static unsafe partial class DirectConvolution
{
    // Channels per 256-bit block: two vectors.
    private const int Channels256 = 16;

    // A block of TCount.Value outputs × 64 channels at the direct kernels' vector width (arguments as for OutputBlock).
    private static void OutputBlockOfWidth<TCount>(float* input, int stride, float* w, int ldw, int t0, int t1, int* off, float* tile)
        where TCount : struct, IFixedCount
    {
        if (VectorBits == 512)
        {
            OutputBlock<TCount>(input, stride, w, ldw, t0, t1, off, tile);
            return;
        }

        for (int s = 0; s < WideBlock; s += Channels256)
        {
            OutputBlock256<TCount>(input, stride, w + s, ldw, t0, t1, off, tile + s);
        }
    }

    // Six taps' sums over 64 channels at the direct kernels' vector width, into sums[j·64 + c] (arguments as for SixTaps).
    private static void SixTapsOfWidth(float* x, int rowStep, int stride, int oh, int ow, float* dyT, int* off, float* sums)
    {
        if (VectorBits == 512)
        {
            SixTaps(x, rowStep, stride, oh, ow, dyT, off, (Vector512<float>*)sums);
            return;
        }

        for (int s = 0; s < WideBlock; s += Channels256)
        {
            SixTaps256(x, rowStep, stride, oh, ow, dyT + s, off, sums + s);
        }
    }

    // TCount.Value (six or five) outputs (input pixels at input + p·stride for tap offsets off[t]) × 16 channels
    // (w + t·ldw); the tile row is 64 wide. Per tap, two weight loads and six broadcasts feed 12 FMAs.
    private static void OutputBlock256<TCount>(float* input, int stride, float* w, int ldw, int t0, int t1, int* off, float* tile)
        where TCount : struct, IFixedCount
    {
        bool sixth = TCount.Value > 5;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
        if (t0 > 0)
        {
            (a0, b0) = (Vector256.Load(tile), Vector256.Load(tile + 8));
            (a1, b1) = (Vector256.Load(tile + WideBlock), Vector256.Load(tile + WideBlock + 8));
            (a2, b2) = (Vector256.Load(tile + (2 * WideBlock)), Vector256.Load(tile + (2 * WideBlock) + 8));
            (a3, b3) = (Vector256.Load(tile + (3 * WideBlock)), Vector256.Load(tile + (3 * WideBlock) + 8));
            (a4, b4) = (Vector256.Load(tile + (4 * WideBlock)), Vector256.Load(tile + (4 * WideBlock) + 8));
            if (sixth)
            {
                (a5, b5) = (Vector256.Load(tile + (5 * WideBlock)), Vector256.Load(tile + (5 * WideBlock) + 8));
            }
        }

        nint s1 = stride, s2 = 2 * stride, s3 = 3 * stride, s4 = 4 * stride, s5 = 5 * stride;
        for (int t = t0; t < t1; t++)
        {
            float* wt = w + ((nint)t * ldw);
            Vector256<float> w0 = Vector256.Load(wt), w1 = Vector256.Load(wt + 8);
            float* xt = input + off[t];
            Vector256<float> x = Vector256.Create(xt[0]);
            a0 = Vector256.FusedMultiplyAdd(w0, x, a0);
            b0 = Vector256.FusedMultiplyAdd(w1, x, b0);
            x = Vector256.Create(xt[s1]);
            a1 = Vector256.FusedMultiplyAdd(w0, x, a1);
            b1 = Vector256.FusedMultiplyAdd(w1, x, b1);
            x = Vector256.Create(xt[s2]);
            a2 = Vector256.FusedMultiplyAdd(w0, x, a2);
            b2 = Vector256.FusedMultiplyAdd(w1, x, b2);
            x = Vector256.Create(xt[s3]);
            a3 = Vector256.FusedMultiplyAdd(w0, x, a3);
            b3 = Vector256.FusedMultiplyAdd(w1, x, b3);
            x = Vector256.Create(xt[s4]);
            a4 = Vector256.FusedMultiplyAdd(w0, x, a4);
            b4 = Vector256.FusedMultiplyAdd(w1, x, b4);
            if (sixth)
            {
                x = Vector256.Create(xt[s5]);
                a5 = Vector256.FusedMultiplyAdd(w0, x, a5);
                b5 = Vector256.FusedMultiplyAdd(w1, x, b5);
            }
        }

        StoreRows256(tile, WideBlock, TCount.Value, a0, b0, a1, b1, a2, b2, a3, b3, a4, b4, a5, b5);
    }

    // Σ over positions of dyT[p] (16 channels of a 64-wide row) × x[p + off[j]] for six taps j, into sums[j·64 + c]
    // (the 16 channels' slots of a 64-wide row per tap). Per position, two loads of dy and six broadcasts feed 12 FMAs.
    private static void SixTaps256(float* x, int rowStep, int stride, int oh, int ow, float* dyT, int* off, float* sums)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
        nint f0 = off[0], f1 = off[1], f2 = off[2], f3 = off[3], f4 = off[4], f5 = off[5];
        float* dp = dyT;
        for (int r = 0; r < oh; r++)
        {
            float* xp = x + (r * rowStep);
            for (int q = 0; q < ow; q++, xp += stride, dp += WideBlock)
            {
                Vector256<float> w0 = Vector256.Load(dp), w1 = Vector256.Load(dp + 8);
                Vector256<float> v = Vector256.Create(xp[f0]);
                a0 = Vector256.FusedMultiplyAdd(w0, v, a0);
                b0 = Vector256.FusedMultiplyAdd(w1, v, b0);
                v = Vector256.Create(xp[f1]);
                a1 = Vector256.FusedMultiplyAdd(w0, v, a1);
                b1 = Vector256.FusedMultiplyAdd(w1, v, b1);
                v = Vector256.Create(xp[f2]);
                a2 = Vector256.FusedMultiplyAdd(w0, v, a2);
                b2 = Vector256.FusedMultiplyAdd(w1, v, b2);
                v = Vector256.Create(xp[f3]);
                a3 = Vector256.FusedMultiplyAdd(w0, v, a3);
                b3 = Vector256.FusedMultiplyAdd(w1, v, b3);
                v = Vector256.Create(xp[f4]);
                a4 = Vector256.FusedMultiplyAdd(w0, v, a4);
                b4 = Vector256.FusedMultiplyAdd(w1, v, b4);
                v = Vector256.Create(xp[f5]);
                a5 = Vector256.FusedMultiplyAdd(w0, v, a5);
                b5 = Vector256.FusedMultiplyAdd(w1, v, b5);
            }
        }

        StoreRows256(sums, WideBlock, Positions, a0, b0, a1, b1, a2, b2, a3, b3, a4, b4, a5, b5);
    }

    // Rows 0 … count − 1 (at most six) of a 256-bit register block, row r's 16 channels as a{r} (0–7) and b{r} (8–15),
    // into a tile whose rows are rowWidth floats apart. Every caller passes a constant count, so the branches fold away.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows256(float* tile, int rowWidth, int count, Vector256<float> a0, Vector256<float> b0,
        Vector256<float> a1, Vector256<float> b1, Vector256<float> a2, Vector256<float> b2, Vector256<float> a3,
        Vector256<float> b3, Vector256<float> a4, Vector256<float> b4, Vector256<float> a5, Vector256<float> b5)
    {
        a0.Store(tile); b0.Store(tile + 8);
        if (count > 1)
        {
            a1.Store(tile + rowWidth); b1.Store(tile + rowWidth + 8);
        }

        if (count > 2)
        {
            a2.Store(tile + (2 * rowWidth)); b2.Store(tile + (2 * rowWidth) + 8);
        }

        if (count > 3)
        {
            a3.Store(tile + (3 * rowWidth)); b3.Store(tile + (3 * rowWidth) + 8);
        }

        if (count > 4)
        {
            a4.Store(tile + (4 * rowWidth)); b4.Store(tile + (4 * rowWidth) + 8);
        }

        if (count > 5)
        {
            a5.Store(tile + (5 * rowWidth)); b5.Store(tile + (5 * rowWidth) + 8);
        }
    }
}
