using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Conv;

// PyTorch's conv2d options (groups, rectangular settings), conv_transpose2d, reflect/replicate padding and pooling with
// ceil_mode / count_include_pad, each against a float64 loop written here from the definition.
public class ConvOptionsTests
{
    [Theory]
    // N, C, H, W, outC, kH, kW, sH, sW, pH, pW, dH, dW, groups
    [InlineData(2, 3, 7, 5, 4, 3, 2, 2, 1, 1, 0, 1, 2, 1)]
    [InlineData(1, 4, 6, 7, 6, 2, 3, 1, 2, 0, 1, 2, 1, 2)]
    [InlineData(2, 3, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 3)]
    [InlineData(1, 6, 9, 4, 9, 4, 1, 3, 1, 2, 0, 1, 1, 3)]
    public void Conv2D_OddShapes_MatchDirectDefinition(int n, int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups)
    {
        var gen = new Generator(h * 13 + w);
        Tensor x = Tensor.RandN([n, c, h, w], gen, DType.Float64);
        Tensor weight = Tensor.RandN([o, c / groups, kh, kw], gen, DType.Float64);
        Tensor bias = Tensor.RandN([o], gen, DType.Float64);

        Tensor y = x.Conv2D(weight, bias, (sh, sw), (ph, pw), (dh, dw), groups);

        int oh = ((h + (2 * ph) - (dh * (kh - 1)) - 1) / sh) + 1, ow = ((w + (2 * pw) - (dw * (kw - 1)) - 1) / sw) + 1;
        Assert.Equal(new[] { n, o, oh, ow }, y.Shape.ToArray());
        double[] xs = x.ToArray<double>(), ws = weight.ToArray<double>(), bs = bias.ToArray<double>(), ys = y.ToArray<double>();
        int cg = c / groups, og = o / groups;
        for (int b = 0; b < n; b++)
        for (int f = 0; f < o; f++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            double sum = bs[f];
            int group = f / og;
            for (int ci = 0; ci < cg; ci++)
            for (int a = 0; a < kh; a++)
            for (int q = 0; q < kw; q++)
            {
                int ih = (i * sh) - ph + (a * dh), iw = (j * sw) - pw + (q * dw);
                if (ih >= 0 && ih < h && iw >= 0 && iw < w)
                {
                    sum += xs[(((b * c) + (group * cg) + ci) * h + ih) * w + iw] * ws[(((f * cg) + ci) * kh + a) * kw + q];
                }
            }

            Assert.Equal(sum, ys[(((b * o) + f) * oh + i) * ow + j], 1e-10);
        }
    }

    [Fact]
    public void Conv2D_GroupsOnABatchLargeEnoughToRunInParallel_EqualsPerGroupConvolutionsAndGradients()
    {
        // Big enough that the kernels split images across workers; groups must equal convolving each channel slice alone.
        var gen = new Generator(21);
        Tensor x = Tensor.RandN([8, 4, 20, 20], gen, DType.Float64).RequireGrad();
        Tensor w = Tensor.RandN([8, 2, 3, 3], gen, DType.Float64).RequireGrad();
        Tensor upstream = Tensor.RandN([8, 8, 10, 10], gen, DType.Float64);

        Tensor grouped = x.Conv2D(w, null, 2, 1, 1, groups: 2);
        Tensor[] grads = Autodiff.Grad(grouped.Mul(upstream).Sum(), [x, w]);

        Tensor xs = Tensor.FromArray(x.ToArray<double>(), 8, 4, 20, 20).RequireGrad();
        Tensor ws = Tensor.FromArray(w.ToArray<double>(), 8, 2, 3, 3).RequireGrad();
        Tensor separate = Tensor.Concat(
            [xs.Slice(1, 0, 2).Conv2D(ws.Slice(0, 0, 4), stride: 2, padding: 1), xs.Slice(1, 2, 4).Conv2D(ws.Slice(0, 4, 8), stride: 2, padding: 1)], 1);
        Tensor[] expected = Autodiff.Grad(separate.Mul(upstream).Sum(), [xs, ws]);

        Assert.Equal(separate.ToArray<double>(), grouped.ToArray<double>(), (a, b) => Math.Abs(a - b) < 1e-10);
        Assert.Equal(expected[0].ToArray<double>(), grads[0].ToArray<double>(), (a, b) => Math.Abs(a - b) < 1e-10);
        Assert.Equal(expected[1].ToArray<double>(), grads[1].ToArray<double>(), (a, b) => Math.Abs(a - b) < 1e-10);
    }

    [Theory]
    // N, inC, H, W, outC, kH, kW, sH, sW, pH, pW, opH, opW, dH, dW, groups
    [InlineData(2, 2, 3, 2, 3, 3, 3, 2, 2, 1, 1, 1, 0, 1, 1, 1)]
    [InlineData(1, 4, 2, 3, 2, 2, 3, 3, 1, 0, 1, 2, 0, 1, 2, 2)]
    [InlineData(1, 3, 4, 4, 3, 3, 2, 1, 2, 1, 0, 0, 1, 2, 1, 3)]
    public void ConvTranspose2D_OddShapes_MatchScatterDefinition(int n, int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph, int pw, int oph, int opw, int dh, int dw, int groups)
    {
        var gen = new Generator(c * 7 + kh);
        Tensor x = Tensor.RandN([n, c, h, w], gen, DType.Float64);
        Tensor weight = Tensor.RandN([c, o / groups, kh, kw], gen, DType.Float64);
        Tensor bias = Tensor.RandN([o], gen, DType.Float64);

        Tensor y = x.ConvTranspose2D(weight, bias, (sh, sw), (ph, pw), (oph, opw), groups, (dh, dw));

        // PyTorch's formula, then every input pixel scatters its kernel-weighted copy onto the output.
        int oh = ((h - 1) * sh) - (2 * ph) + (dh * (kh - 1)) + oph + 1, ow = ((w - 1) * sw) - (2 * pw) + (dw * (kw - 1)) + opw + 1;
        Assert.Equal(new[] { n, o, oh, ow }, y.Shape.ToArray());
        double[] xs = x.ToArray<double>(), ws = weight.ToArray<double>(), bs = bias.ToArray<double>();
        var expected = new double[n * o * oh * ow];
        int cg = c / groups, og = o / groups;
        for (int b = 0; b < n; b++)
        for (int f = 0; f < o; f++)
        for (int i = 0; i < oh * ow; i++)
        {
            expected[((b * o) + f) * oh * ow + i] = bs[f];
        }

        for (int b = 0; b < n; b++)
        for (int ci = 0; ci < c; ci++)
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
        for (int fo = 0; fo < og; fo++)
        for (int a = 0; a < kh; a++)
        for (int q = 0; q < kw; q++)
        {
            int r = (i * sh) - ph + (a * dh), s = (j * sw) - pw + (q * dw);
            if (r >= 0 && r < oh && s >= 0 && s < ow)
            {
                int f = ((ci / cg) * og) + fo;
                expected[(((b * o) + f) * oh + r) * ow + s] += xs[(((b * c) + ci) * h + i) * w + j] * ws[(((ci * og) + fo) * kh + a) * kw + q];
            }
        }

        Assert.Equal(expected, y.ToArray<double>(), (a, b) => Math.Abs(a - b) < 1e-10);
    }

    [Fact]
    public void ConvTranspose2D_WithConvSettings_RestoresTheConvInputShape()
    {
        // The shape contract users rely on: conv (stride 2, padding 1) maps 7 and 8 to 4; output padding picks which.
        Tensor w = Tensor.RandN([3, 2, 3, 3], new Generator(1));
        foreach (int size in new[] { 7, 8 })
        {
            Tensor down = Tensor.RandN([1, 2, size, size], new Generator(2)).Conv2D(w, stride: 2, padding: 1);
            Tensor up = down.ConvTranspose2D(w, stride: 2, padding: 1, outputPadding: size - 7);
            Assert.Equal(new[] { 1, 2, size, size }, up.Shape.ToArray());
        }
    }

    [Fact]
    public void Pad_ReflectAndReplicate_MatchPyTorchDocumentedExample()
    {
        // PyTorch's ReflectionPad1d / ReplicationPad1d documentation: [0 1 2 3] padded by 2 on both sides.
        Tensor x = Tensor.FromArray(new double[] { 0, 1, 2, 3 }, 1, 4);
        Assert.Equal(new double[] { 2, 1, 0, 1, 2, 3, 2, 1 }, x.Pad([(0, 0), (2, 2)], PaddingMode.Reflect).ToArray<double>());
        Assert.Equal(new double[] { 0, 0, 0, 1, 2, 3, 3, 3 }, x.Pad([(0, 0), (2, 2)], PaddingMode.Replicate).ToArray<double>());
        Assert.Equal(new double[] { 0, 0, 0, 1, 2, 3, 0 }, x.Pad([(0, 0), (2, 1)], PaddingMode.Zeros).ToArray<double>());
    }

    [Theory]
    [InlineData(PaddingMode.Reflect)]
    [InlineData(PaddingMode.Replicate)]
    public void Pad_Modes2D_MatchIndexDefinition_AndGradientCountsCopies(PaddingMode mode)
    {
        Tensor x = Tensor.RandN([2, 3, 4], new Generator(5), DType.Float64).RequireGrad();
        (int, int)[] pads = [(0, 0), (2, 1), (1, 3)];
        Tensor y = x.Pad(pads, mode);

        static int Source(int i, int size, PaddingMode mode) => mode == PaddingMode.Replicate
            ? Math.Clamp(i, 0, size - 1)
            : i < 0 ? -i : i >= size ? (2 * (size - 1)) - i : i;

        double[] xs = x.ToArray<double>(), ys = y.ToArray<double>();
        Assert.Equal(new[] { 2, 6, 8 }, y.Shape.ToArray());
        var copies = new double[xs.Length];
        for (int b = 0; b < 2; b++)
        for (int i = 0; i < 6; i++)
        for (int j = 0; j < 8; j++)
        {
            int source = (b * 12) + (Source(i - 2, 3, mode) * 4) + Source(j - 1, 4, mode);
            Assert.Equal(xs[source], ys[(b * 48) + (i * 8) + j]);
            copies[source]++;
        }

        // d(sum y)/dx counts how many output positions copy each input element.
        y.Sum().Backward();
        Assert.Equal(copies, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Pad_ReflectAsWideAsAxis_IsRejectedNamingAxisAndShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([1, 3]).Pad([(0, 0), (3, 0)], PaddingMode.Reflect));
        Assert.Contains("reflect padding (3, 0) on axis 1 must be smaller than the axis size 3 (input shape (1, 3))", ex.Message);
    }

    [Theory]
    // input, kernel, stride, padding, ceil → PyTorch's output size (⌈⌉ only when the last window starts inside input or left padding)
    [InlineData(5, 2, 2, 0, false, 2)]
    [InlineData(5, 2, 2, 0, true, 3)]   // last window starts at 4 < 5: kept, reads one element
    [InlineData(6, 2, 2, 0, true, 3)]   // exact fit: ceil changes nothing
    [InlineData(5, 3, 2, 1, true, 3)]   // ⌈(5 + 2 − 3)/2⌉ + 1 = 3 would start at 4 − 1 = 3 < 5 + 1: kept
    [InlineData(6, 3, 2, 1, true, 4)]   // ⌈5/2⌉ + 1 = 4, start 6 − 1 = 5 < 6 + 1: kept (floor gives 3)
    [InlineData(5, 2, 3, 1, true, 2)]   // ⌈(5 + 2 − 2)/3⌉ + 1 = 3, but window 3 would start at 2·3 − 1 = 5, in the right padding: dropped → 2
    [InlineData(2, 3, 2, 0, true, 1)]   // window larger than the input: ceil mode still gives one window (PyTorch does too)
    public void PoolOutputSize_CeilModeEdgeCases_FollowPyTorchRule(int size, int kernel, int stride, int padding, bool ceil, int expected)
    {
        Tensor x = Tensor.RandN([1, 1, size, size + 1], new Generator(3));
        if (size + (2 * padding) < kernel && !ceil)
        {
            return;
        }

        Assert.Equal(expected, x.MaxPool2D(kernel, stride, padding, ceil).Shape[2]);
        Assert.Equal(expected, x.AvgPool2D(kernel, stride, padding, ceil).Shape[2]);
    }

    [Theory]
    // kH, kW, sH, sW, pH, pW, ceil, countIncludePad
    [InlineData(2, 3, 2, 2, 1, 1, true, true)]
    [InlineData(3, 2, 2, 1, 1, 0, true, false)]
    [InlineData(3, 3, 2, 2, 1, 1, false, false)]
    [InlineData(2, 2, 3, 2, 0, 1, true, true)]
    public void Pool2D_RectangularCeilAndCountIncludePad_MatchDirectLoops(int kh, int kw, int sh, int sw, int ph, int pw, bool ceil, bool countIncludePad)
    {
        Tensor x = Tensor.RandN([2, 2, 5, 6], new Generator(kh * 10 + kw), DType.Float64);
        Tensor max = x.MaxPool2D((kh, kw), (sh, sw), (ph, pw), ceil);
        Tensor avg = x.AvgPool2D((kh, kw), (sh, sw), (ph, pw), ceil, countIncludePad);

        static int Out(int l, int k, int s, int p, bool ceil)
        {
            int span = l + (2 * p) - k;
            int o = (ceil ? (span + s - 1) / s : span / s) + 1;
            return ceil && (o - 1) * s >= l + p ? o - 1 : o;
        }

        int h = 5, w = 6, oh = Out(h, kh, sh, ph, ceil), ow = Out(w, kw, sw, pw, ceil);
        Assert.Equal(new[] { 2, 2, oh, ow }, max.Shape.ToArray());
        Assert.Equal(new[] { 2, 2, oh, ow }, avg.Shape.ToArray());
        double[] xs = x.ToArray<double>(), maxs = max.ToArray<double>(), avgs = avg.ToArray<double>();
        for (int plane = 0; plane < 4; plane++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            // PyTorch's avg_pool2d: the divisor is the window clipped to the padded input, or to the input itself.
            int top = (i * sh) - ph, left = (j * sw) - pw;
            int bottom = Math.Min(top + kh, h + ph), right = Math.Min(left + kw, w + pw);
            int padded = (bottom - top) * (right - left);
            double sum = 0, best = double.NegativeInfinity;
            int inside = 0;
            for (int r = Math.Max(top, 0); r < Math.Min(bottom, h); r++)
            for (int q = Math.Max(left, 0); q < Math.Min(right, w); q++)
            {
                double v = xs[(plane * h * w) + (r * w) + q];
                sum += v;
                best = Math.Max(best, v);
                inside++;
            }

            int o = (plane * oh * ow) + (i * ow) + j;
            Assert.Equal(best, maxs[o]);
            Assert.Equal(sum / (countIncludePad ? padded : inside), avgs[o], 1e-12);
        }
    }

    [Fact]
    public void Conv2D_KernelLargerThanPaddedInput_NamesShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([1, 2, 3, 4]).Conv2D(Tensor.Zeros([5, 2, 4, 2]), padding: 0));
        Assert.Contains("conv2d: a 4x2 kernel", ex.Message);
        Assert.Contains("does not fit input (1, 2, 3, 4)", ex.Message);
        Assert.Contains("padded size 3x4", ex.Message);
    }

    [Fact]
    public void Conv2D_GroupsNotDividingChannels_NamesGroupsAndShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([1, 4, 5, 5]).Conv2D(Tensor.Zeros([3, 2, 3, 3]), groups: 2));
        Assert.Equal("conv2d: groups 2 must divide both the input channels (4) and the output channels (3); input (1, 4, 5, 5), weight (3, 2, 3, 3).", ex.Message);
    }

    [Fact]
    public void Conv2D_ChannelsNotMatchingGroups_SaysWhatWeightExpects()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros([1, 4, 5, 5]).Conv2D(Tensor.Zeros([4, 1, 3, 3]), groups: 2));
        Assert.Contains("input (1, 4, 5, 5) has 4 channels but weight (4, 1, 3, 3) expects 1·groups = 2", ex.Message);
    }

    [Fact]
    public void ConvTranspose2D_BadSettings_AreRejectedClearly()
    {
        Tensor x = Tensor.Zeros([1, 4, 3, 3]);
        var outputPadding = Assert.Throws<ArgumentOutOfRangeException>(() => x.ConvTranspose2D(Tensor.Zeros([4, 2, 3, 3]), stride: 2, outputPadding: 2));
        Assert.Contains("conv_transpose2d: output padding (2, 2) must be non-negative and smaller than the stride (2, 2)", outputPadding.Message);
        var channels = Assert.Throws<ArgumentException>(() => x.ConvTranspose2D(Tensor.Zeros([3, 2, 3, 3])));
        Assert.Contains("conv_transpose2d: input (1, 4, 3, 3) has 4 channels but weight (3, 2, 3, 3) expects 3", channels.Message);
        var groups = Assert.Throws<ArgumentException>(() => x.ConvTranspose2D(Tensor.Zeros([4, 2, 3, 3]), groups: 3));
        Assert.Contains("groups 3 must divide both the input channels (4)", groups.Message);
    }
}
