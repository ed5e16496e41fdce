using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

/// <summary>
/// The input gradient of wider layers (input channels a multiple of 32, stride 1, no padding, one group, float32,
/// 512-bit vectors, or 256-bit ones in the blocks of <c>DirectConvolution.InputGrad256.cs</c>) without im2col:
/// dx[c, h, w] = Σ over output channels o and taps (i, j) of W[o, c, i, j] · dy[o, h − i·dH, w − j·dW], vectorized over
/// 32 input channels. For seven neighbouring positions of a row, each (o, i, j) loads the two weight vectors once and
/// broadcasts the seven dy values it meets, 14 FMAs for 9 loads. A row that ends in six positions takes a six-position
/// kernel there; other remainders recompute the positions a last block of seven overlaps. A row of exactly 13 (the MNIST
/// <c>cnn</c>'s) runs as one block of 13 positions instead, 26 FMAs for 15 loads: 6–9 % faster than 7 + 6 with the same
/// sums (docs/performance.md, "Whole rows in the input gradient").
/// </summary>
/// <remarks>
/// The im2col path computes the K × positions column gradient with a GEMM, writes it out (the MNIST <c>cnn</c>'s second
/// layer: 288 × 121 per image) and folds it back with scatter-adds: about half of that layer's input gradient.
/// Each dy row is copied once per image into a row padded with (kW − 1)·dW zeros on both sides, so a block's taps need
/// no bounds checks (the zeros cost 18% more multiply-adds for the <c>cnn</c>'s 13-wide rows); rows of dy that a tap
/// would read above or below the image are skipped, not padded. Each output is summed from zero over o, then i, then j,
/// in chunks of output channels whose weights stay in L1 (continuing from the partial sums in the tile), so chunking
/// does not change the result; the im2col path sums in another order, so the two agree to rounding.
/// </remarks>
internal static unsafe partial class DirectConvolution
{
    private const int InputBlock = 32;
    private const int RowPositions = 7;

    /// <summary>(output channel, tap) pairs per chunk of <see cref="InputGradWide"/>: 144 × 32 floats (18 KB) of weights stay in L1.</summary>
    internal static int InputGradTapChunk { get; set; } = 144;

    /// <summary>Whether the input gradient over geometry <paramref name="g"/> runs in <see cref="InputGradWide"/> for element type T.</summary>
    public static bool AppliesWideInputGrad<T>(in ConvGeometry g, int groups) =>
        WideEnabled && typeof(T) == typeof(float) && VectorBits != 0
        && groups == 1 && g.Channels % InputBlock == 0 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.PadHeight == 0 && g.PadWidth == 0 && !g.CeilMode && g.Width >= RowPositions && g.ColumnCount > 0;

    /// <summary>Elements of the scratch <see cref="InputGradWide"/> needs for dy's padded rows.</summary>
    public static int PaddedLength(in ConvGeometry g, int outChannels) =>
        outChannels * g.OutHeight * (g.OutWidth + (2 * (g.KernelWidth - 1) * g.DilationWidth));

    /// <summary>Elements of the tile <see cref="InputGradWide"/> needs: each row's positions in blocks of seven slots × 32 channels.</summary>
    public static int InputTileLength(in ConvGeometry g) => g.Height * Slots(g.Width, RowPositions) * InputBlock;

    /// <summary>
    /// dx (C × H × W) of one image from its dy (outC × oH × oW) and <paramref name="weightT"/>, the weights laid out
    /// outC × kH × kW × C (the input channels of one (o, i, j) side by side); <paramref name="padded"/> holds <see cref="PaddedLength"/> elements,
    /// zero before the first image (only the rows' interiors are written here, so their margins stay zero for the next
    /// images), and <paramref name="tile"/> <see cref="InputTileLength"/>. Every element of dx is written.
    /// </summary>
    public static void InputGradWide(ReadOnlySpan<float> dy, ReadOnlySpan<float> weightT, Span<float> dx, int outChannels, in ConvGeometry g,
        Span<float> padded, Span<float> tile)
    {
        int c = g.Channels, h = g.Height, w = g.Width, oh = g.OutHeight, ow = g.OutWidth;
        int kh = g.KernelHeight, kw = g.KernelWidth, dh = g.DilationHeight, dw = g.DilationWidth, taps = kh * kw;
        int left = (kw - 1) * dw, pw = ow + (2 * left), plane = oh * pw;
        int slots = Slots(w, RowPositions);
        int chunk = Math.Max(1, InputGradTapChunk / taps);
        Span<int> dyOffsets = stackalloc int[taps];
        Span<int> wOffsets = stackalloc int[taps];
        fixed (float* pd = padded)
        fixed (float* pw0 = weightT)
        fixed (float* pt = tile)
        fixed (float* px = dx)
        fixed (int* dyOff = dyOffsets)
        fixed (int* wOff = wOffsets)
        fixed (float* source = dy)
        {
            // dy's rows into the padded rows (their zero margins are written by the caller, once per buffer).
            for (int row = 0; row < outChannels * oh; row++)
            {
                Buffer.MemoryCopy(source + (row * ow), pd + (row * pw) + left, ow * sizeof(float), ow * sizeof(float));
            }

            for (int c0 = 0; c0 < c; c0 += InputBlock)
            {
                for (int o0 = 0; o0 < outChannels; o0 += chunk)
                {
                    int channels = Math.Min(chunk, outChannels - o0);
                    for (int y = 0; y < h; y++)
                    {
                        // The taps whose dy row h − i·dH exists, in (i, j) order: dy at row − j·dW, weights at (i, j).
                        int n = 0;
                        for (int i = 0; i < kh; i++)
                        {
                            int r = y - (i * dh);
                            if (r < 0 || r >= oh)
                            {
                                continue;
                            }

                            for (int j = 0; j < kw; j++, n++)
                            {
                                dyOff[n] = (r * pw) - (j * dw);
                                wOff[n] = ((i * kw) + j) * c;
                            }
                        }

                        float* dyBase = pd + (o0 * plane) + left;
                        float* wBase = pw0 + ((nint)o0 * taps * c) + c0;
                        if (WholeRowInputGrad && w == Count13.Value)
                        {
                            RowBlockOfWidth<Count13>(dyBase, plane, wBase, taps * c, channels, dyOff, wOff, n, pt + (y * slots * InputBlock),
                                carry: o0 > 0);
                            continue;
                        }

                        for (int p0 = 0; p0 < w; p0 += RowPositions)
                        {
                            float* tileAt = pt + (((y * slots) + p0) * InputBlock);
                            if (w - p0 == RowPositions - 1)
                            {
                                RowBlockOfWidth<Count6>(dyBase + p0, plane, wBase, taps * c, channels, dyOff, wOff, n, tileAt, carry: o0 > 0);
                            }
                            else
                            {
                                RowBlockOfWidth<Count7>(dyBase + Math.Min(p0, w - RowPositions), plane, wBase, taps * c, channels, dyOff, wOff, n,
                                    tileAt, carry: o0 > 0);
                            }
                        }
                    }
                }

                // The tile's positions × 32 into the 32 channel planes of dx.
                TileToPlanes(pt, InputBlock, RowPositions, w, h * w, default, px + (c0 * h * w));
            }
        }
    }

    /// <summary>When false, 13-wide rows take the seven- and six-position kernels (for tests and benchmarks comparing the two).</summary>
    internal static bool WholeRowInputGrad { get; set; } = true;

    // TCount.Value (13, seven or six) positions (dy + p, per tap at dyOff[t]) × 32 input channels (weights at w + wOff[t])
    // over output channels o < channels (dy planes dyPlane apart, weights wPlane apart), from the tile's partial sums when
    // carrying. The count is a type parameter, so the JIT drops the code of positions past it: 13 positions keep 26
    // accumulators, two weight loads and 13 broadcasts per 26 FMAs; seven, 14 FMAs per nine loads.
    private static void RowBlock<TCount>(float* dy, nint dyPlane, float* w, nint wPlane, int channels, int* dyOff, int* wOff, int taps,
        float* tile, bool carry)
        where TCount : struct, IFixedCount
    {
        int count = TCount.Value;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default;
        Vector512<float> a7 = default, a8 = default, a9 = default, aa = default, ab = default, ac = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default;
        Vector512<float> b7 = default, b8 = default, b9 = default, ba = default, bb = default, bc = default;
        if (carry)
        {
            (a0, b0) = (Vector512.Load(tile), Vector512.Load(tile + 16));
            (a1, b1) = (Vector512.Load(tile + 32), Vector512.Load(tile + 48));
            (a2, b2) = (Vector512.Load(tile + 64), Vector512.Load(tile + 80));
            (a3, b3) = (Vector512.Load(tile + 96), Vector512.Load(tile + 112));
            (a4, b4) = (Vector512.Load(tile + 128), Vector512.Load(tile + 144));
            (a5, b5) = (Vector512.Load(tile + 160), Vector512.Load(tile + 176));
            if (count > 6)
            {
                (a6, b6) = (Vector512.Load(tile + 192), Vector512.Load(tile + 208));
            }

            if (count > 7)
            {
                (a7, b7) = (Vector512.Load(tile + 224), Vector512.Load(tile + 240));
            }

            if (count > 8)
            {
                (a8, b8) = (Vector512.Load(tile + 256), Vector512.Load(tile + 272));
            }

            if (count > 9)
            {
                (a9, b9) = (Vector512.Load(tile + 288), Vector512.Load(tile + 304));
            }

            if (count > 10)
            {
                (aa, ba) = (Vector512.Load(tile + 320), Vector512.Load(tile + 336));
            }

            if (count > 11)
            {
                (ab, bb) = (Vector512.Load(tile + 352), Vector512.Load(tile + 368));
            }

            if (count > 12)
            {
                (ac, bc) = (Vector512.Load(tile + 384), Vector512.Load(tile + 400));
            }
        }

        for (int o = 0; o < channels; o++, dy += dyPlane, w += wPlane)
        {
            for (int t = 0; t < taps; t++)
            {
                float* wt = w + wOff[t];
                Vector512<float> w0 = Vector512.Load(wt), w1 = Vector512.Load(wt + 16);
                float* d = dy + dyOff[t];
                Vector512<float> x0 = Vector512.Create(d[0]);
                a0 = Vector512.FusedMultiplyAdd(w0, x0, a0);
                b0 = Vector512.FusedMultiplyAdd(w1, x0, b0);
                Vector512<float> x1 = Vector512.Create(d[1]);
                a1 = Vector512.FusedMultiplyAdd(w0, x1, a1);
                b1 = Vector512.FusedMultiplyAdd(w1, x1, b1);
                Vector512<float> x2 = Vector512.Create(d[2]);
                a2 = Vector512.FusedMultiplyAdd(w0, x2, a2);
                b2 = Vector512.FusedMultiplyAdd(w1, x2, b2);
                Vector512<float> x3 = Vector512.Create(d[3]);
                a3 = Vector512.FusedMultiplyAdd(w0, x3, a3);
                b3 = Vector512.FusedMultiplyAdd(w1, x3, b3);
                Vector512<float> x4 = Vector512.Create(d[4]);
                a4 = Vector512.FusedMultiplyAdd(w0, x4, a4);
                b4 = Vector512.FusedMultiplyAdd(w1, x4, b4);
                Vector512<float> x5 = Vector512.Create(d[5]);
                a5 = Vector512.FusedMultiplyAdd(w0, x5, a5);
                b5 = Vector512.FusedMultiplyAdd(w1, x5, b5);

                if (count > 6)
                {
                    Vector512<float> x6 = Vector512.Create(d[6]);
                    a6 = Vector512.FusedMultiplyAdd(w0, x6, a6);
                    b6 = Vector512.FusedMultiplyAdd(w1, x6, b6);
                }

                if (count > 7)
                {
                    Vector512<float> x7 = Vector512.Create(d[7]);
                    a7 = Vector512.FusedMultiplyAdd(w0, x7, a7);
                    b7 = Vector512.FusedMultiplyAdd(w1, x7, b7);
                }

                if (count > 8)
                {
                    Vector512<float> x8 = Vector512.Create(d[8]);
                    a8 = Vector512.FusedMultiplyAdd(w0, x8, a8);
                    b8 = Vector512.FusedMultiplyAdd(w1, x8, b8);
                }

                if (count > 9)
                {
                    Vector512<float> x9 = Vector512.Create(d[9]);
                    a9 = Vector512.FusedMultiplyAdd(w0, x9, a9);
                    b9 = Vector512.FusedMultiplyAdd(w1, x9, b9);
                }

                if (count > 10)
                {
                    Vector512<float> xa = Vector512.Create(d[10]);
                    aa = Vector512.FusedMultiplyAdd(w0, xa, aa);
                    ba = Vector512.FusedMultiplyAdd(w1, xa, ba);
                }

                if (count > 11)
                {
                    Vector512<float> xb = Vector512.Create(d[11]);
                    ab = Vector512.FusedMultiplyAdd(w0, xb, ab);
                    bb = Vector512.FusedMultiplyAdd(w1, xb, bb);
                }

                if (count > 12)
                {
                    Vector512<float> xc = Vector512.Create(d[12]);
                    ac = Vector512.FusedMultiplyAdd(w0, xc, ac);
                    bc = Vector512.FusedMultiplyAdd(w1, xc, bc);
                }
            }
        }

        a0.Store(tile); b0.Store(tile + 16);
        a1.Store(tile + 32); b1.Store(tile + 48);
        a2.Store(tile + 64); b2.Store(tile + 80);
        a3.Store(tile + 96); b3.Store(tile + 112);
        a4.Store(tile + 128); b4.Store(tile + 144);
        a5.Store(tile + 160); b5.Store(tile + 176);

        if (count > 6)
        {
            a6.Store(tile + 192); b6.Store(tile + 208);
        }

        if (count > 7)
        {
            a7.Store(tile + 224); b7.Store(tile + 240);
        }

        if (count > 8)
        {
            a8.Store(tile + 256); b8.Store(tile + 272);
        }

        if (count > 9)
        {
            a9.Store(tile + 288); b9.Store(tile + 304);
        }

        if (count > 10)
        {
            aa.Store(tile + 320); ba.Store(tile + 336);
        }

        if (count > 11)
        {
            ab.Store(tile + 352); bb.Store(tile + 368);
        }

        if (count > 12)
        {
            ac.Store(tile + 384); bc.Store(tile + 400);
        }
    }
}
