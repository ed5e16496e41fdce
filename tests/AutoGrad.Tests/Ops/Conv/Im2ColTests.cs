using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Conv;

// The kernels behind conv2d; kept beside the conv tests because they exist for that op.
public class Im2ColTests
{
    public static TheoryData<int, int, int, int, int, int, int> Geometries()
    {
        var data = new TheoryData<int, int, int, int, int, int, int>();
        // height, width, kernel, stride, pad, dilation, channels — every stride/pad/dilation mix on odd and even sizes.
        foreach (int size in new[] { 1, 4, 7 })
        foreach (int kernel in new[] { 1, 2, 3 })
        foreach (int stride in new[] { 1, 2, 3 })
        foreach (int pad in new[] { 0, 1, 2 })
        foreach (int dilation in new[] { 1, 2 })
        {
            if (ConvGeometry.OutExtent(size, kernel, stride, pad, dilation) > 0)
            {
                data.Add(size, size + 1, kernel, stride, pad, dilation, 2);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Unfold_EveryEntry_MatchesDirectIndexing(int h, int w, int k, int s, int p, int d, int c)
    {
        var g = new ConvGeometry(c, h, w, k, k, s, s, p, p, d, d);
        double[] x = Tensor.RandN([c, h, w], new Generator(h * 31 + w), DType.Float64).ToArray<double>();
        var columns = new double[g.ColumnRows * g.ColumnCount];
        Im2Col.Unfold<double>(x, g, columns);

        int oH = g.OutHeight, oW = g.OutWidth;
        for (int ch = 0, row = 0; ch < c; ch++)
        for (int ki = 0; ki < k; ki++)
        for (int kj = 0; kj < k; kj++, row++)
        for (int oh = 0; oh < oH; oh++)
        for (int ow = 0; ow < oW; ow++)
        {
            int ih = (oh * s) - p + (ki * d), iw = (ow * s) - p + (kj * d);
            double expected = ih >= 0 && ih < h && iw >= 0 && iw < w ? x[(ch * h * w) + (ih * w) + iw] : 0;
            Assert.Equal(expected, columns[(row * oH * oW) + (oh * oW) + ow]);
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Fold_IsAdjointOfUnfold(int h, int w, int k, int s, int p, int d, int c)
    {
        // ⟨unfold(x), y⟩ = ⟨x, fold(y)⟩ for random x and y is what makes the input gradient correct.
        var g = new ConvGeometry(c, h, w, k, k, s, s, p, p, d, d);
        var gen = new Generator(k * 7 + s);
        double[] x = Tensor.RandN([c, h, w], gen, DType.Float64).ToArray<double>();
        double[] y = Tensor.RandN([g.ColumnRows * g.ColumnCount], gen, DType.Float64).ToArray<double>();
        var unfolded = new double[y.Length];
        var folded = new double[x.Length];
        Im2Col.Unfold<double>(x, g, unfolded);
        Im2Col.Fold<double>(y, g, folded);

        double left = unfolded.Zip(y, (a, b) => a * b).Sum(), right = x.Zip(folded, (a, b) => a * b).Sum();
        Assert.Equal(left, right, 1e-10);
    }
}
