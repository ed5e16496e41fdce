using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

/// <summary>
/// Convolution computed straight from the image, without im2col, for the layers where the GEMM formulation is weakest: a
/// first layer with few column rows (K = C·kH·kW ≤ <see cref="Convolution.InPlaceForwardMaxColumnRows"/>, e.g. 1×3×3),
/// stride 1, no padding or dilation, one group, float32, on 512-bit vectors (or 256-bit ones:
/// <c>DirectConvolution.FirstLayer256.cs</c>). With K = 9 the GEMM sums only nine products per output before storing its
/// tile, and unfolding the image writes nine copies of it, so the MNIST <c>cnn</c>'s first layer ran at about 25 GFLOP/s
/// there (docs/performance.md, Convolution).
/// </summary>
/// <remarks>
/// <para>Forward: each output row is covered by 16-wide vectors starting at 0, 16, … and a last one ending at the row's end
/// (overlapping the one before it rather than masking), eight output channels at a time: per tap, one unaligned load of the
/// shifted input row per vector and one broadcast weight per channel feed sixteen FMAs. Each output is summed from zero over
/// the taps in order and then gets its bias, exactly as the GEMM's micro-kernel and its bias pass do, so the result is
/// bit-identical to the im2col path (tested).</para>
/// <para>Filter gradient: four channels by three taps at a time, dW[o, t] gains Σ over the image's positions of
/// dy[o, p]·x[p + offset(t)], the last vector of a row with its already-counted lanes masked out; each image's sums are
/// added to the partial in image order, so the result does not depend on the thread count.</para>
/// </remarks>
internal static unsafe partial class DirectConvolution
{
    private const int Group = 8;
    private const int FilterChannels = 4;

    /// <summary>When false, the first-layer filter gradient reduces each accumulator with its own
    /// <see cref="Vector512.Sum{T}(Vector512{T})"/> instead of <see cref="Sum4"/> (for the benchmark comparing the two; the
    /// same bits).</summary>
    internal static bool FourChannelSums { get; set; } = true;

    /// <summary>When false, first layers take the im2col path (for tests and benchmarks comparing the two).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>
    /// The vector width the direct kernels run at: 512 where 512-bit vectors are accelerated, 256 with AVX2 and FMA, 0
    /// where neither is (every layer then takes the im2col path). Tests set 256 on machines with 512-bit vectors to run
    /// the 256-bit kernels there and compare their bits.
    /// </summary>
    internal static int VectorBits { get; set; } = NativeVectorBits;

    /// <summary>The widest vectors the direct kernels can use on this machine (see <see cref="VectorBits"/>).</summary>
    internal static int NativeVectorBits => Vector512.IsHardwareAccelerated ? 512 : Avx2.IsSupported && Fma.IsSupported ? 256 : 0;

    /// <summary>Whether geometry <paramref name="g"/> with <paramref name="groups"/> groups runs here for element type T.</summary>
    public static bool Applies<T>(in ConvGeometry g, int groups) =>
        Enabled && typeof(T) == typeof(float) && VectorBits != 0
        && groups == 1 && g.ColumnRows <= Convolution.InPlaceForwardMaxColumnRows
        && g.StrideHeight == 1 && g.StrideWidth == 1 && g.PadHeight == 0 && g.PadWidth == 0
        && g.DilationHeight == 1 && g.DilationWidth == 1 && !g.CeilMode && g.OutWidth >= Vector512<float>.Count;

    /// <summary>
    /// y (outC × oH·oW) = W (outC × K) ⊛ x (C × H × W) + bias for one image, y being rows <paramref name="row0"/> … of
    /// <paramref name="all"/> (the whole output seen as (N·outC) × oH·oW); then <paramref name="epilogue"/> on each group of
    /// channels' planes, addressed in <paramref name="all"/>.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> all, int row0,
        int outChannels, in ConvGeometry g, IGemmEpilogue<float>? epilogue)
    {
        int k = g.ColumnRows, oh = g.OutHeight, ow = g.OutWidth, l = oh * ow;
        Span<float> y = all.Slice(row0 * l, outChannels * l);
        Span<int> offsets = stackalloc int[k];
        Offsets(g, offsets);
        int lanes = Vector512<float>.Count;
        int vectors = (ow + lanes - 1) / lanes;
        fixed (float* px = x)
        fixed (float* pw = weight)
        fixed (float* py = y)
        fixed (int* off = offsets)
        fixed (float* pb = bias)
        {
            for (int o0 = 0; o0 < outChannels; o0 += Group)
            {
                int channels = Math.Min(Group, outChannels - o0);
                for (int r = 0; r < oh; r++)
                {
                    float* row = px + (r * g.Width);
                    float* target = py + (o0 * l) + (r * ow);
                    if (VectorBits != 512)
                    {
                        ForwardRow256(row, pw + (o0 * k), k, off, target, l, ow, channels, pb == null ? null : pb + o0);
                        continue;
                    }

                    for (int v = 0; v < vectors; v += 2)
                    {
                        int first = Start(v, vectors, ow);
                        int second = Start(Math.Min(v + 1, vectors - 1), vectors, ow);
                        if (channels == Group)
                        {
                            Eight(row + first, row + second, pw + (o0 * k), k, off, target + first, target + second, l, pb == null ? null : pb + o0);
                        }
                        else
                        {
                            // The channels of a short last group, rarely met: each 16-wide vector as two 8-wide halves
                            // (the same sums).
                            for (int c = 0; c < channels; c++)
                            {
                                float* ya = target + (c * l) + first, yb = target + (c * l) + second;
                                float* wc = pw + ((o0 + c) * k), bc = pb == null ? null : pb + o0 + c;
                                OneChannel256(row + first, row + second, wc, k, off, ya, yb, bc);
                                OneChannel256(row + first + 8, row + second + 8, wc, k, off, ya + 8, yb + 8, bc);
                            }
                        }
                    }
                }

                epilogue?.Apply(all, l, row0 + o0, channels, 0, l);
            }
        }
    }

    /// <summary>partial (outC × K) += dy (outC × oH·oW) ⋆ x (C × H × W) for one image.</summary>
    public static void AccumulateFilterGrad(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> partial, int outChannels, in ConvGeometry g)
    {
        int k = g.ColumnRows, oh = g.OutHeight, ow = g.OutWidth, l = oh * ow;
        Span<int> offsets = stackalloc int[k];
        Offsets(g, offsets);
        int lanes = Vector512<float>.Count;
        int vectors = (ow + lanes - 1) / lanes;
        int lastStart = ow - lanes;
        // Lanes of the last vector that the one before it already covered count zero.
        int covered = ((vectors - 1) * lanes) - lastStart;
        Vector512<float> lastMask = Vector512.GreaterThanOrEqual(Vector512<float>.Indices, Vector512.Create((float)covered));
        fixed (float* px = x)
        fixed (float* pd = dy)
        fixed (float* pp = partial)
        {
            if (VectorBits != 512)
            {
                fixed (int* off = offsets)
                {
                    FilterGradImage256(px, pd, pp, outChannels, k, off, oh, ow, g.Width, l, lastMask);
                }

                return;
            }

            // Four channels by three taps at a time: per vector of positions, four output-gradient loads and three
            // input loads feed twelve FMAs (one channel and tap at a time would be two loads per FMA, and load-bound).
            // The rest, rarely met, one at a time as the 256-bit kernel's sums (the same bits).
            Vector256<float> loMask = lastMask.GetLower(), hiMask = lastMask.GetUpper();
            int o0 = 0;
            for (; o0 + FilterChannels <= outChannels; o0 += FilterChannels)
            {
                float* d = pd + (o0 * l);
                float* target = pp + (o0 * k);
                int t = 0;
                for (; t + 3 <= k; t += 3)
                {
                    FourByThree(px + offsets[t], px + offsets[t + 1], px + offsets[t + 2], d, l, oh, ow, g.Width, vectors, lastMask, target + t, k);
                }

                for (; t < k; t++)
                {
                    for (int c = 0; c < FilterChannels; c++)
                    {
                        target[(c * k) + t] += OneSum256(px + offsets[t], d + (c * l), oh, ow, g.Width, vectors, loMask, hiMask);
                    }
                }
            }

            for (; o0 < outChannels; o0++)
            {
                for (int t = 0; t < k; t++)
                {
                    pp[(o0 * k) + t] += OneSum256(px + offsets[t], pd + (o0 * l), oh, ow, g.Width, vectors, loMask, hiMask);
                }
            }
        }
    }

    // Input offset of tap t = (c, i, j) in C·kH·kW order (the im2col row order, which is the weight's K order), dilation
    // included; the first K elements of offsets.
    private static void Offsets(in ConvGeometry g, Span<int> offsets)
    {
        int t = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            for (int i = 0; i < g.KernelHeight; i++)
            {
                for (int j = 0; j < g.KernelWidth; j++)
                {
                    offsets[t++] = (c * g.Height * g.Width) + (i * g.DilationHeight * g.Width) + (j * g.DilationWidth);
                }
            }
        }
    }

    // Vector v of a row: 16·v, except the last, which ends at the row's end.
    private static int Start(int v, int vectors, int ow) => v == vectors - 1 ? ow - Vector512<float>.Count : v * Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Eight(float* a, float* b, float* w, int k, int* off, float* ya, float* yb, int l, float* bias)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        for (int t = 0; t < k; t++)
        {
            Vector512<float> va = Vector512.Load(a + off[t]);
            Vector512<float> vb = Vector512.Load(b + off[t]);
            float* wt = w + t;
            Vector512<float> w0 = Vector512.Create(wt[0]);
            a0 = Vector512.FusedMultiplyAdd(w0, va, a0);
            b0 = Vector512.FusedMultiplyAdd(w0, vb, b0);
            Vector512<float> w1 = Vector512.Create(wt[k]);
            a1 = Vector512.FusedMultiplyAdd(w1, va, a1);
            b1 = Vector512.FusedMultiplyAdd(w1, vb, b1);
            Vector512<float> w2 = Vector512.Create(wt[2 * k]);
            a2 = Vector512.FusedMultiplyAdd(w2, va, a2);
            b2 = Vector512.FusedMultiplyAdd(w2, vb, b2);
            Vector512<float> w3 = Vector512.Create(wt[3 * k]);
            a3 = Vector512.FusedMultiplyAdd(w3, va, a3);
            b3 = Vector512.FusedMultiplyAdd(w3, vb, b3);
            Vector512<float> w4 = Vector512.Create(wt[4 * k]);
            a4 = Vector512.FusedMultiplyAdd(w4, va, a4);
            b4 = Vector512.FusedMultiplyAdd(w4, vb, b4);
            Vector512<float> w5 = Vector512.Create(wt[5 * k]);
            a5 = Vector512.FusedMultiplyAdd(w5, va, a5);
            b5 = Vector512.FusedMultiplyAdd(w5, vb, b5);
            Vector512<float> w6 = Vector512.Create(wt[6 * k]);
            a6 = Vector512.FusedMultiplyAdd(w6, va, a6);
            b6 = Vector512.FusedMultiplyAdd(w6, vb, b6);
            Vector512<float> w7 = Vector512.Create(wt[7 * k]);
            a7 = Vector512.FusedMultiplyAdd(w7, va, a7);
            b7 = Vector512.FusedMultiplyAdd(w7, vb, b7);
        }

        if (bias != null)
        {
            // Added to the finished sum, as the im2col path's bias pass does.
            AddBias(ref a0, ref b0, bias[0]);
            AddBias(ref a1, ref b1, bias[1]);
            AddBias(ref a2, ref b2, bias[2]);
            AddBias(ref a3, ref b3, bias[3]);
            AddBias(ref a4, ref b4, bias[4]);
            AddBias(ref a5, ref b5, bias[5]);
            AddBias(ref a6, ref b6, bias[6]);
            AddBias(ref a7, ref b7, bias[7]);
        }

        // The first vector is stored before the second, so where they overlap (the same outputs) the second's equal
        // values land last either way.
        a0.Store(ya); a1.Store(ya + l); a2.Store(ya + (2 * l)); a3.Store(ya + (3 * l));
        a4.Store(ya + (4 * l)); a5.Store(ya + (5 * l)); a6.Store(ya + (6 * l)); a7.Store(ya + (7 * l));
        b0.Store(yb); b1.Store(yb + l); b2.Store(yb + (2 * l)); b3.Store(yb + (3 * l));
        b4.Store(yb + (4 * l)); b5.Store(yb + (5 * l)); b6.Store(yb + (6 * l)); b7.Store(yb + (7 * l));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddBias(ref Vector512<float> a, ref Vector512<float> b, float bias)
    {
        Vector512<float> v = Vector512.Create(bias);
        a += v;
        b += v;
    }

    private static void FourByThree(float* x0, float* x1, float* x2, float* d, int l, int oh, int ow, int width, int vectors,
        Vector512<float> lastMask, float* target, int k)
    {
        Vector512<float> s00 = default, s01 = default, s02 = default, s10 = default, s11 = default, s12 = default;
        Vector512<float> s20 = default, s21 = default, s22 = default, s30 = default, s31 = default, s32 = default;
        for (int r = 0; r < oh; r++)
        {
            int rowOffset = r * width;
            float* dr = d + (r * ow);
            for (int v = 0; v < vectors; v++)
            {
                int start = Start(v, vectors, ow);
                float* dv = dr + start;
                Vector512<float> d0 = Vector512.Load(dv), d1 = Vector512.Load(dv + l);
                Vector512<float> d2 = Vector512.Load(dv + (2 * l)), d3 = Vector512.Load(dv + (3 * l));
                if (v == vectors - 1)
                {
                    // Masking the output gradients masks every product of the vector.
                    d0 &= lastMask;
                    d1 &= lastMask;
                    d2 &= lastMask;
                    d3 &= lastMask;
                }

                Vector512<float> a = Vector512.Load(x0 + rowOffset + start);
                s00 = Vector512.FusedMultiplyAdd(d0, a, s00);
                s10 = Vector512.FusedMultiplyAdd(d1, a, s10);
                s20 = Vector512.FusedMultiplyAdd(d2, a, s20);
                s30 = Vector512.FusedMultiplyAdd(d3, a, s30);
                Vector512<float> b = Vector512.Load(x1 + rowOffset + start);
                s01 = Vector512.FusedMultiplyAdd(d0, b, s01);
                s11 = Vector512.FusedMultiplyAdd(d1, b, s11);
                s21 = Vector512.FusedMultiplyAdd(d2, b, s21);
                s31 = Vector512.FusedMultiplyAdd(d3, b, s31);
                Vector512<float> c = Vector512.Load(x2 + rowOffset + start);
                s02 = Vector512.FusedMultiplyAdd(d0, c, s02);
                s12 = Vector512.FusedMultiplyAdd(d1, c, s12);
                s22 = Vector512.FusedMultiplyAdd(d2, c, s22);
                s32 = Vector512.FusedMultiplyAdd(d3, c, s32);
            }
        }

        // Per tap, the four channels' sums at once (the bits of Vector512.Sum each, in a third of the instructions).
        if (FourChannelSums)
        {
            AddChannels(target, k, Sum4(s00, s10, s20, s30));
            AddChannels(target + 1, k, Sum4(s01, s11, s21, s31));
            AddChannels(target + 2, k, Sum4(s02, s12, s22, s32));
            return;
        }

        AddChannels(target, k, Vector128.Create(Vector512.Sum(s00), Vector512.Sum(s10), Vector512.Sum(s20), Vector512.Sum(s30)));
        AddChannels(target + 1, k, Vector128.Create(Vector512.Sum(s01), Vector512.Sum(s11), Vector512.Sum(s21), Vector512.Sum(s31)));
        AddChannels(target + 2, k, Vector128.Create(Vector512.Sum(s02), Vector512.Sum(s12), Vector512.Sum(s22), Vector512.Sum(s32)));
    }

    /// <summary>target[c·k] += sums[c] for the four channels c of a block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddChannels(float* target, int k, Vector128<float> sums)
    {
        target[0] += sums.GetElement(0);
        target[k] += sums.GetElement(1);
        target[2 * k] += sums.GetElement(2);
        target[3 * k] += sums.GetElement(3);
    }

    /// <summary>
    /// [Σa, Σb, Σc, Σd], each summed as <see cref="Vector512.Sum{T}(Vector512{T})"/> does (within each 128-bit lane
    /// (x₀ + x₁) + (x₂ + x₃), then (L₀ + L₁) + (L₂ + L₃)), so the bits are the same; four transposing shuffles and
    /// adds replace four serial reductions of about 25 instructions each, which took about a third of
    /// <see cref="FourByThree"/>'s instructions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        // Per 128-bit lane: [a0 + a1, a2 + a3, b0 + b1, b2 + b3] and the same for c, d.
        Vector512<float> ab = Avx512F.Shuffle(a, b, 0b10_00_10_00) + Avx512F.Shuffle(a, b, 0b11_01_11_01);
        Vector512<float> cd = Avx512F.Shuffle(c, d, 0b10_00_10_00) + Avx512F.Shuffle(c, d, 0b11_01_11_01);

        // Per 128-bit lane: [La, Lb, Lc, Ld], each (x0 + x1) + (x2 + x3).
        Vector512<float> lanes = Avx512F.Shuffle(ab, cd, 0b10_00_10_00) + Avx512F.Shuffle(ab, cd, 0b11_01_11_01);

        // Lanes 0 and 2 now hold L0 + L1 and L2 + L3.
        Vector512<float> pairs = lanes + Avx512F.Shuffle4x128(lanes, lanes, 0b10_11_00_01);
        return pairs.GetLower().GetLower() + Avx512F.ExtractVector128(pairs, 2);
    }
}
