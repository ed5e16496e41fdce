using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

/// <summary>
/// The register block of the wide input gradient (<see cref="InputGradWide"/>) on 256-bit vectors: up to six positions
/// × 16 input channels (two vectors), so 12 accumulators, two weight vectors and a broadcast fill the sixteen registers,
/// and each (output channel, tap) feeds 12 FMAs from two loads and six broadcasts, as in the forward's block (one vector
/// × 13 positions would need a broadcast per FMA). A block of 13, seven or six positions runs as sub-blocks of five,
/// four and four; four and three; or six, twice per block of 32 input channels, on the 512-bit kernel's position-major
/// tile. Every output is summed in that kernel's order (output channels, then taps, ascending from zero), so the two
/// widths give the same bits (tested).
/// </summary>
internal static unsafe partial class DirectConvolution
{
    // Input channels per 256-bit block: two vectors.
    private const int InputChannels256 = 16;

    // A block of TCount.Value positions × 32 input channels at the direct kernels' vector width (arguments as for RowBlock).
    private static void RowBlockOfWidth<TCount>(float* dy, nint dyPlane, float* w, nint wPlane, int channels, int* dyOff, int* wOff, int taps,
        float* tile, bool carry)
        where TCount : struct, IFixedCount
    {
        if (VectorBits == 512)
        {
            RowBlock<TCount>(dy, dyPlane, w, wPlane, channels, dyOff, wOff, taps, tile, carry);
            return;
        }

        for (int s = 0; s < InputBlock; s += InputChannels256)
        {
            float* ws = w + s, ts = tile + s;
            switch (TCount.Value)
            {
                case 13:
                    RowBlock256<Count5>(dy, dyPlane, ws, wPlane, channels, dyOff, wOff, taps, ts, carry);
                    RowBlock256<Count4>(dy + 5, dyPlane, ws, wPlane, channels, dyOff, wOff, taps, ts + (5 * InputBlock), carry);
                    RowBlock256<Count4>(dy + 9, dyPlane, ws, wPlane, channels, dyOff, wOff, taps, ts + (9 * InputBlock), carry);
                    break;
                case 7:
                    RowBlock256<Count4>(dy, dyPlane, ws, wPlane, channels, dyOff, wOff, taps, ts, carry);
                    RowBlock256<Count3>(dy + 4, dyPlane, ws, wPlane, channels, dyOff, wOff, taps, ts + (4 * InputBlock), carry);
                    break;
                default:
                    RowBlock256<Count6>(dy, dyPlane, ws, wPlane, channels, dyOff, wOff, taps, ts, carry);
                    break;
            }
        }
    }

    // TCount.Value (up to six) positions (dy + p, per tap at dyOff[t]) × 16 input channels (weights at w + wOff[t]) over
    // output channels o < channels (dy planes dyPlane apart, weights wPlane apart), from the tile's partial sums when
    // carrying; the tile row is 32 wide.
    private static void RowBlock256<TCount>(float* dy, nint dyPlane, float* w, nint wPlane, int channels, int* dyOff, int* wOff, int taps,
        float* tile, bool carry)
        where TCount : struct, IFixedCount
    {
        int count = TCount.Value;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
        if (carry)
        {
            (a0, b0) = (Vector256.Load(tile), Vector256.Load(tile + 8));
            if (count > 1)
            {
                (a1, b1) = (Vector256.Load(tile + 32), Vector256.Load(tile + 40));
            }

            if (count > 2)
            {
                (a2, b2) = (Vector256.Load(tile + 64), Vector256.Load(tile + 72));
            }

            if (count > 3)
            {
                (a3, b3) = (Vector256.Load(tile + 96), Vector256.Load(tile + 104));
            }

            if (count > 4)
            {
                (a4, b4) = (Vector256.Load(tile + 128), Vector256.Load(tile + 136));
            }

            if (count > 5)
            {
                (a5, b5) = (Vector256.Load(tile + 160), Vector256.Load(tile + 168));
            }
        }

        for (int o = 0; o < channels; o++, dy += dyPlane, w += wPlane)
        {
            for (int t = 0; t < taps; t++)
            {
                float* wt = w + wOff[t];
                Vector256<float> w0 = Vector256.Load(wt), w1 = Vector256.Load(wt + 8);
                float* d = dy + dyOff[t];
                Vector256<float> x = Vector256.Create(d[0]);
                a0 = Vector256.FusedMultiplyAdd(w0, x, a0);
                b0 = Vector256.FusedMultiplyAdd(w1, x, b0);
                if (count > 1)
                {
                    x = Vector256.Create(d[1]);
                    a1 = Vector256.FusedMultiplyAdd(w0, x, a1);
                    b1 = Vector256.FusedMultiplyAdd(w1, x, b1);
                }

                if (count > 2)
                {
                    x = Vector256.Create(d[2]);
                    a2 = Vector256.FusedMultiplyAdd(w0, x, a2);
                    b2 = Vector256.FusedMultiplyAdd(w1, x, b2);
                }

                if (count > 3)
                {
                    x = Vector256.Create(d[3]);
                    a3 = Vector256.FusedMultiplyAdd(w0, x, a3);
                    b3 = Vector256.FusedMultiplyAdd(w1, x, b3);
                }

                if (count > 4)
                {
                    x = Vector256.Create(d[4]);
                    a4 = Vector256.FusedMultiplyAdd(w0, x, a4);
                    b4 = Vector256.FusedMultiplyAdd(w1, x, b4);
                }

                if (count > 5)
                {
                    x = Vector256.Create(d[5]);
                    a5 = Vector256.FusedMultiplyAdd(w0, x, a5);
                    b5 = Vector256.FusedMultiplyAdd(w1, x, b5);
                }
            }
        }

        StoreRows256(tile, InputBlock, count, a0, b0, a1, b1, a2, b2, a3, b3, a4, b4, a5, b5);
    }
}
