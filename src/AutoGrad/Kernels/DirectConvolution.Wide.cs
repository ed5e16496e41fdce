using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

/// <summary>
/// The forward of wider layers (K = C·kH·kW above <see cref="Convolution.InPlaceForwardMaxColumnRows"/>, output channels a
/// multiple of 64, no padding, one group, float32; 512-bit vectors here, 256-bit ones in the blocks of
/// <c>DirectConvolution.Wide256.cs</c>), vectorized over output channels instead of
/// positions: for six neighbouring outputs of a row and 64 channels, each tap (c, i, j) loads the four weight vectors
/// W[c, i, j][o…o+63] once and broadcasts the six input pixels it meets, 24 FMAs for 10 loads, straight from the image.
/// The im2col path first writes K copies of every position (the MNIST <c>cnn</c>'s second layer: 288 × 121 per image)
/// and reads them back, which took a third of that layer's forward (docs/performance.md, Convolution).
/// </summary>
/// <remarks>
/// Each output is summed over the taps in order from zero, then gets its bias; the im2col GEMM sums in two halves of k,
/// so the two paths agree to rounding, not bit for bit. The six outputs land in a positions × 64 tile, transposed into
/// the image's channel planes afterwards (a row ending in five outputs takes a five-output kernel there; other
/// remainders recompute the outputs a last block of six overlaps, rather than masking). The
/// forward takes the taps in chunks of <see cref="TapChunk"/>: the whole Wᵀ of the <c>cnn</c>'s second layer (288 × 64
/// floats, 72 KB) does not fit a 48 KB L1, so without chunks every block of six outputs streamed it from L2 again; the
/// conv2 forward over 64 images took 2.5–2.6 ms against 2.7–4.0 (minimum of 30 calls, three alternating rounds,
/// 2026-11-29 23:15 UTC, load 1.7).
/// </remarks>
internal static unsafe partial class DirectConvolution
{
    private const int WideBlock = 64;
    private const int Positions = 6;

    /// <summary>Taps per pass over an image's positions in <see cref="ForwardWide"/>: 72 × 64 floats of weights (18 KB) stay in L1.</summary>
    internal static int TapChunk { get; set; } = 72;

    /// <summary>When false, wide layers take the im2col path (for tests and benchmarks comparing the two).</summary>
    internal static bool WideEnabled { get; set; } = true;

    /// <summary>Whether a forward of <paramref name="outChannels"/> channels over geometry <paramref name="g"/> runs in
    /// <see cref="ForwardWide"/> for element type T.</summary>
    public static bool AppliesWide<T>(in ConvGeometry g, int groups, int outChannels) =>
        AppliesWideFilterGrad<T>(g, groups, outChannels) && g.OutWidth >= Positions;

    /// <summary>Whether the filter gradient of such a layer runs in <see cref="AccumulateFilterGradWide"/> (any row width).</summary>
    public static bool AppliesWideFilterGrad<T>(in ConvGeometry g, int groups, int outChannels) =>
        WideEnabled && typeof(T) == typeof(float) && VectorBits != 0
        && groups == 1 && g.ColumnRows > Convolution.InPlaceForwardMaxColumnRows && outChannels % WideBlock == 0
        && g.PadHeight == 0 && g.PadWidth == 0 && !g.CeilMode;

    /// <summary>Elements of the tile <see cref="ForwardWide"/> needs: each row's outputs in blocks of six slots × 64 channels.</summary>
    public static int TileLength(in ConvGeometry g) => g.OutHeight * Slots(g.OutWidth, Positions) * WideBlock;

    /// <summary>
    /// y (outC × oH·oW) = W ⊛ x + bias for one image, from <paramref name="weightT"/> = Wᵀ (K × outC,
    /// made once per call with <see cref="Layout.Permute"/>), y being rows <paramref name="row0"/> … of <paramref name="all"/> (as in
    /// <see cref="Forward"/>); then <paramref name="epilogue"/> on each block of 64 channels' planes.
    /// <paramref name="tile"/> holds <see cref="TileLength"/> elements.
    /// </summary>
    public static void ForwardWide(ReadOnlySpan<float> x, ReadOnlySpan<float> weightT, ReadOnlySpan<float> bias, Span<float> all, int row0,
        int outChannels, in ConvGeometry g, Span<float> tile, IGemmEpilogue<float>? epilogue)
    {
        int k = g.ColumnRows, oh = g.OutHeight, ow = g.OutWidth, l = oh * ow;
        Span<float> y = all.Slice(row0 * l, outChannels * l);
        Span<int> offsets = stackalloc int[k];
        Offsets(g, offsets);

        int sw = g.StrideWidth;
        int slots = Slots(ow, Positions);
        fixed (float* px = x)
        fixed (float* pw = weightT)
        fixed (float* pt = tile)
        fixed (float* py = y)
        fixed (int* off = offsets)
        {
            for (int o0 = 0; o0 < outChannels; o0 += WideBlock)
            {
                // Taps in chunks whose weights (TapChunk × 64 floats) stay in L1 across the image's positions; each
                // output carries on from its partial sum in the tile, so the order of the additions is unchanged.
                for (int t0 = 0; t0 < k; t0 += TapChunk)
                {
                    int t1 = Math.Min(k, t0 + TapChunk);
                    for (int r = 0; r < oh; r++)
                    {
                        float* row = px + (r * g.StrideHeight * g.Width);
                        for (int p0 = 0; p0 < ow; p0 += Positions)
                        {
                            float* tileAt = pt + (((r * slots) + p0) * WideBlock);
                            if (ow - p0 == Positions - 1)
                            {
                                OutputBlockOfWidth<Count5>(row + (p0 * sw), sw, pw + o0, outChannels, t0, t1, off, tileAt);
                            }
                            else
                            {
                                OutputBlockOfWidth<Count6>(row + (Math.Min(p0, ow - Positions) * sw), sw, pw + o0, outChannels, t0, t1, off,
                                    tileAt);
                            }
                        }
                    }
                }

                // The tile's positions × 64 into the 64 channel planes, with the bias.
                TileToPlanes(pt, WideBlock, Positions, ow, l, bias.IsEmpty ? default : bias.Slice(o0, WideBlock), py + (o0 * l));
                epilogue?.Apply(all, l, row0 + o0, WideBlock, 0, l);
            }
        }
    }

    /// <summary>
    /// partialT (K × outC) += Σ over one image's positions p of x[p + offset(t)]·dy[o, p]: the filter gradient, transposed,
    /// vectorized over output channels as <see cref="ForwardWide"/> is (per position, the four vectors of dy over 64
    /// channels and six broadcast input pixels, one per tap, feed 24 FMAs). <paramref name="dyT"/> holds oH·oW × 64
    /// elements (the image's dy for 64 channels, transposed).
    /// </summary>
    public static void AccumulateFilterGradWide(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> partialT, int outChannels,
        in ConvGeometry g, Span<float> dyT)
    {
        int k = g.ColumnRows, oh = g.OutHeight, ow = g.OutWidth, l = oh * ow;
        Span<int> offsets = stackalloc int[k + Positions];
        Offsets(g, offsets);

        // A last block of fewer than six taps repeats its last offset; only its real taps are added to the result.
        for (int t = k; t < offsets.Length; t++)
        {
            offsets[t] = offsets[k - 1];
        }

        fixed (float* px = x)
        fixed (float* pd = dy)
        fixed (float* pp = partialT)
        fixed (float* pt = dyT)
        fixed (int* off = offsets)
        {
            // Per tap, the 64 channels' sums of one block, tap after tap.
            float* sums = stackalloc float[Positions * WideBlock];
            int rowStep = g.StrideHeight * g.Width;
            for (int o0 = 0; o0 < outChannels; o0 += WideBlock)
            {
                TransposeDy(pd + (o0 * l), l, pt);

                for (int t = 0; t < k; t += Positions)
                {
                    SixTapsOfWidth(px, rowStep, g.StrideWidth, oh, ow, pt, off + t, sums);
                    int taps = Math.Min(Positions, k - t);
                    for (int j = 0; j < taps; j++)
                    {
                        // Elementwise, so any vector width adds the same bits.
                        float* target = pp + ((t + j) * outChannels) + o0, sum = sums + (j * WideBlock);
                        for (int v = 0; v < WideBlock; v += 8)
                        {
                            (Vector256.Load(target + v) + Vector256.Load(sum + v)).Store(target + v);
                        }
                    }
                }
            }
        }
    }

    // dyT (l positions × 64) from 64 channel planes of dy (l positions each): square blocks transposed in registers
    // (TransposeBlock wide), the last block of positions overlapping the one before; Layout.Permute below one block.
    private static void TransposeDy(float* dy, int l, float* dyT)
    {
        int block = TransposeBlock;
        if (l < block)
        {
            Layout.Permute<float>(new ReadOnlySpan<float>(dy, WideBlock * l), [WideBlock, l], [1, 0], new Span<float>(dyT, l * WideBlock));
            return;
        }

        int* rows = stackalloc int[16];
        for (int c0 = 0; c0 < WideBlock; c0 += block)
        {
            for (int q0 = 0; ; q0 += block)
            {
                int start = Math.Min(q0, l - block);
                for (int i = 0; i < block; i++)
                {
                    rows[i] = ((c0 + i) * l) + start;
                }

                TransposeBlockOf(dy, rows, null, dyT + (start * WideBlock) + c0, WideBlock);
                if (start == l - block)
                {
                    break;
                }
            }
        }
    }

    // Σ over positions of dyT[p] (64 channels) × x[p + off[j]] for six taps j, into sums[j·4 + v].
    private static void SixTaps(float* x, int rowStep, int stride, int oh, int ow, float* dyT, int* off, Vector512<float>* sums)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default;
        nint f0 = off[0], f1 = off[1], f2 = off[2], f3 = off[3], f4 = off[4], f5 = off[5];
        float* dp = dyT;
        for (int r = 0; r < oh; r++)
        {
            float* xp = x + (r * rowStep);
            for (int q = 0; q < ow; q++, xp += stride, dp += WideBlock)
            {
                Vector512<float> w0 = Vector512.Load(dp), w1 = Vector512.Load(dp + 16), w2 = Vector512.Load(dp + 32), w3 = Vector512.Load(dp + 48);
                Vector512<float> x0 = Vector512.Create(xp[f0]);
                a0 = Vector512.FusedMultiplyAdd(w0, x0, a0);
                b0 = Vector512.FusedMultiplyAdd(w1, x0, b0);
                c0 = Vector512.FusedMultiplyAdd(w2, x0, c0);
                d0 = Vector512.FusedMultiplyAdd(w3, x0, d0);
                Vector512<float> x1 = Vector512.Create(xp[f1]);
                a1 = Vector512.FusedMultiplyAdd(w0, x1, a1);
                b1 = Vector512.FusedMultiplyAdd(w1, x1, b1);
                c1 = Vector512.FusedMultiplyAdd(w2, x1, c1);
                d1 = Vector512.FusedMultiplyAdd(w3, x1, d1);
                Vector512<float> x2 = Vector512.Create(xp[f2]);
                a2 = Vector512.FusedMultiplyAdd(w0, x2, a2);
                b2 = Vector512.FusedMultiplyAdd(w1, x2, b2);
                c2 = Vector512.FusedMultiplyAdd(w2, x2, c2);
                d2 = Vector512.FusedMultiplyAdd(w3, x2, d2);
                Vector512<float> x3 = Vector512.Create(xp[f3]);
                a3 = Vector512.FusedMultiplyAdd(w0, x3, a3);
                b3 = Vector512.FusedMultiplyAdd(w1, x3, b3);
                c3 = Vector512.FusedMultiplyAdd(w2, x3, c3);
                d3 = Vector512.FusedMultiplyAdd(w3, x3, d3);
                Vector512<float> x4 = Vector512.Create(xp[f4]);
                a4 = Vector512.FusedMultiplyAdd(w0, x4, a4);
                b4 = Vector512.FusedMultiplyAdd(w1, x4, b4);
                c4 = Vector512.FusedMultiplyAdd(w2, x4, c4);
                d4 = Vector512.FusedMultiplyAdd(w3, x4, d4);
                Vector512<float> x5 = Vector512.Create(xp[f5]);
                a5 = Vector512.FusedMultiplyAdd(w0, x5, a5);
                b5 = Vector512.FusedMultiplyAdd(w1, x5, b5);
                c5 = Vector512.FusedMultiplyAdd(w2, x5, c5);
                d5 = Vector512.FusedMultiplyAdd(w3, x5, d5);
            }
        }

        sums[0] = a0; sums[1] = b0; sums[2] = c0; sums[3] = d0;
        sums[4] = a1; sums[5] = b1; sums[6] = c1; sums[7] = d1;
        sums[8] = a2; sums[9] = b2; sums[10] = c2; sums[11] = d2;
        sums[12] = a3; sums[13] = b3; sums[14] = c3; sums[15] = d3;
        sums[16] = a4; sums[17] = b4; sums[18] = c4; sums[19] = d4;
        sums[20] = a5; sums[21] = b5; sums[22] = c5; sums[23] = d5;
    }

    // TCount.Value (six or five) outputs (input pixels at in + p·stride for tap offsets off[t]) × 64 channels (w + t·ldw);
    // the tile row is 64 wide. The count is a type parameter, so the JIT drops the sixth output's code from the five.
    private static void OutputBlock<TCount>(float* input, int stride, float* w, int ldw, int t0, int t1, int* off, float* tile)
        where TCount : struct, IFixedCount
    {
        bool sixth = TCount.Value > 5;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default;
        if (t0 > 0)
        {
            Load(tile, out a0, out b0, out c0, out d0);
            Load(tile + WideBlock, out a1, out b1, out c1, out d1);
            Load(tile + (2 * WideBlock), out a2, out b2, out c2, out d2);
            Load(tile + (3 * WideBlock), out a3, out b3, out c3, out d3);
            Load(tile + (4 * WideBlock), out a4, out b4, out c4, out d4);
            if (sixth)
            {
                Load(tile + (5 * WideBlock), out a5, out b5, out c5, out d5);
            }
        }

        nint s1 = stride, s2 = 2 * stride, s3 = 3 * stride, s4 = 4 * stride, s5 = 5 * stride;
        for (int t = t0; t < t1; t++)
        {
            float* wt = w + ((nint)t * ldw);
            Vector512<float> w0 = Vector512.Load(wt), w1 = Vector512.Load(wt + 16), w2 = Vector512.Load(wt + 32), w3 = Vector512.Load(wt + 48);
            float* xt = input + off[t];
            Vector512<float> x0 = Vector512.Create(xt[0]);
            a0 = Vector512.FusedMultiplyAdd(w0, x0, a0);
            b0 = Vector512.FusedMultiplyAdd(w1, x0, b0);
            c0 = Vector512.FusedMultiplyAdd(w2, x0, c0);
            d0 = Vector512.FusedMultiplyAdd(w3, x0, d0);
            Vector512<float> x1 = Vector512.Create(xt[s1]);
            a1 = Vector512.FusedMultiplyAdd(w0, x1, a1);
            b1 = Vector512.FusedMultiplyAdd(w1, x1, b1);
            c1 = Vector512.FusedMultiplyAdd(w2, x1, c1);
            d1 = Vector512.FusedMultiplyAdd(w3, x1, d1);
            Vector512<float> x2 = Vector512.Create(xt[s2]);
            a2 = Vector512.FusedMultiplyAdd(w0, x2, a2);
            b2 = Vector512.FusedMultiplyAdd(w1, x2, b2);
            c2 = Vector512.FusedMultiplyAdd(w2, x2, c2);
            d2 = Vector512.FusedMultiplyAdd(w3, x2, d2);
            Vector512<float> x3 = Vector512.Create(xt[s3]);
            a3 = Vector512.FusedMultiplyAdd(w0, x3, a3);
            b3 = Vector512.FusedMultiplyAdd(w1, x3, b3);
            c3 = Vector512.FusedMultiplyAdd(w2, x3, c3);
            d3 = Vector512.FusedMultiplyAdd(w3, x3, d3);
            Vector512<float> x4 = Vector512.Create(xt[s4]);
            a4 = Vector512.FusedMultiplyAdd(w0, x4, a4);
            b4 = Vector512.FusedMultiplyAdd(w1, x4, b4);
            c4 = Vector512.FusedMultiplyAdd(w2, x4, c4);
            d4 = Vector512.FusedMultiplyAdd(w3, x4, d4);
            if (sixth)
            {
                Vector512<float> x5 = Vector512.Create(xt[s5]);
                a5 = Vector512.FusedMultiplyAdd(w0, x5, a5);
                b5 = Vector512.FusedMultiplyAdd(w1, x5, b5);
                c5 = Vector512.FusedMultiplyAdd(w2, x5, c5);
                d5 = Vector512.FusedMultiplyAdd(w3, x5, d5);
            }
        }

        Store(tile, a0, b0, c0, d0);
        Store(tile + WideBlock, a1, b1, c1, d1);
        Store(tile + (2 * WideBlock), a2, b2, c2, d2);
        Store(tile + (3 * WideBlock), a3, b3, c3, d3);
        Store(tile + (4 * WideBlock), a4, b4, c4, d4);
        if (sixth)
        {
            Store(tile + (5 * WideBlock), a5, b5, c5, d5);
        }
    }

    private static void Load(float* source, out Vector512<float> a, out Vector512<float> b, out Vector512<float> c, out Vector512<float> d)
    {
        a = Vector512.Load(source);
        b = Vector512.Load(source + 16);
        c = Vector512.Load(source + 32);
        d = Vector512.Load(source + 48);
    }

    private static void Store(float* target, Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        a.Store(target);
        b.Store(target + 16);
        c.Store(target + 32);
        d.Store(target + 48);
    }
}
