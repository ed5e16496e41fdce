using System.Numerics;
using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

/// <summary>
/// col2im (<see cref="Im2Col.Fold{T}(ReadOnlySpan{T}, in ConvGeometry, Span{T}, int)"/>) against the definition, bit for
/// bit: a scalar loop that clears the image and adds every column entry onto its pixel in column-row order. Fold's
/// vector adds (whole runs of a row for a unit column stride, the general loop otherwise) must keep that order; the
/// cases cover input widths below, at and past one or several vectors, padding wider than the kernel's reach,
/// dilation, row strides of a batched column matrix, kernel columns that never land inside the input, signed zeros,
/// very wide rows and a column stride of 2.
/// </summary>
public class Im2ColTests
{
    /// <summary>(C, H, W, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, extra columns per row).</summary>
    public static TheoryData<int[]> FoldCases()
    {
        var cases = new TheoryData<int[]>();
        foreach (int width in new[] { 3, 4, 7, 8, 9, 13, 15, 16, 17, 24, 31, 32, 33, 47, 64, 65 })
        {
            cases.Add([2, 5, width, 3, 3, 1, 1, 0, 0, 1, 1, 0]);
            cases.Add([3, 6, width, 2, 3, 2, 1, 1, 1, 1, 2, 5]);
        }

        cases.Add([1, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1, 0]);          // one-pixel rows, padded
        cases.Add([2, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1]);
        cases.Add([32, 13, 13, 3, 3, 1, 1, 0, 0, 1, 1, 121 * 5]); // the MNIST cnn's second layer, one image of a chunk of 6
        cases.Add([1, 4, 5, 1, 4, 1, 1, 0, 3, 1, 1, 0]);          // padding wider than the reach: edge columns get nothing
        cases.Add([2, 9, 11, 3, 5, 3, 1, 2, 4, 2, 3, 3]);         // kernel columns entirely in the padding
        cases.Add([1, 3, 300, 2, 7, 1, 1, 1, 3, 1, 1, 0]);        // very wide rows
        cases.Add([2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 2]);          // column stride 2
        return cases;
    }

    [Theory]
    [MemberData(nameof(FoldCases))]
    public void Fold_Float32_MatchesScalarDefinitionBitForBit(int[] c) => CheckFold<float>(c);

    [Theory]
    [MemberData(nameof(FoldCases))]
    public void Fold_Float64_MatchesScalarDefinitionBitForBit(int[] c) => CheckFold<double>(c);

    [Fact]
    public void Fold_OverwritesWhatTheImageHeld()
    {
        var g = new ConvGeometry(2, 6, 13, 3, 3, 1, 1, 0, 0, 1, 1);
        float[] columns = new float[g.ColumnRows * g.ColumnCount];
        float[] image = Enumerable.Repeat(float.NaN, g.ImageSize).ToArray();
        Im2Col.Fold<float>(columns, g, image);
        Assert.All(image, value => Assert.Equal(0f, value));
    }

    private static void CheckFold<T>(int[] c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var g = new ConvGeometry(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]);
        Assert.True(g.OutHeight > 0 && g.OutWidth > 0, "test case has no output");
        int rowStride = g.ColumnCount + c[11];
        var random = new Random(c.Aggregate(17, (h, v) => (h * 31) + v));
        T[] columns = new T[((g.ColumnRows - 1) * rowStride) + g.ColumnCount];
        for (int i = 0; i < columns.Length; i++)
        {
            // Some exact zeros of either sign and some large magnitudes, so rounding and signed zeros show.
            int kind = random.Next(8);
            columns[i] = kind == 0 ? T.Zero : kind == 1 ? T.NegativeZero
                : T.CreateChecked(((random.NextDouble() * 2) - 1) * (kind == 2 ? 1e6 : 1));
        }

        T[] expected = new T[g.ImageSize];
        int oH = g.OutHeight, oW = g.OutWidth, row = 0;
        for (int ch = 0; ch < g.Channels; ch++)
        {
            for (int ki = 0; ki < g.KernelHeight; ki++)
            {
                for (int kj = 0; kj < g.KernelWidth; kj++, row++)
                {
                    for (int oh = 0; oh < oH; oh++)
                    {
                        for (int ow = 0; ow < oW; ow++)
                        {
                            int ih = (oh * g.StrideHeight) - g.PadHeight + (ki * g.DilationHeight);
                            int iw = (ow * g.StrideWidth) - g.PadWidth + (kj * g.DilationWidth);
                            if (ih >= 0 && ih < g.Height && iw >= 0 && iw < g.Width)
                            {
                                expected[(((ch * g.Height) + ih) * g.Width) + iw] += columns[(row * rowStride) + (oh * oW) + ow];
                            }
                        }
                    }
                }
            }
        }

        T[] actual = Enumerable.Repeat(T.One, g.ImageSize).ToArray(); // Fold must overwrite, not add
        Im2Col.Fold<T>(columns, g, actual, rowStride);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                double.CreateChecked(expected[i]).Equals(double.CreateChecked(actual[i]))
                && T.IsNegative(expected[i]) == T.IsNegative(actual[i]),
                $"pixel {i}: expected {expected[i]}, got {actual[i]} ({string.Join(",", c)}, {typeof(T).Name})");
        }
    }
}
