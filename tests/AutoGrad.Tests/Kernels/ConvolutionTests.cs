using System.Numerics;
using System.Runtime.Intrinsics;
using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.Kernels;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Kernels;

/// <summary>
/// The convolution kernels (forward with and without bias, input gradient, filter gradient) against direct loops over
/// the definition, in float64 arithmetic: strides, padding, dilation, groups, odd and non-square sizes, batches cut
/// into several chunks of images and chunks of one image each (the in-place path), float32 and float64.
/// </summary>
public class ConvolutionTests
{
    /// <summary>(batch, C, H, W, outC, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups).</summary>
    public static TheoryData<int[]> Cases => new()
    {
        new[] { 9, 8, 30, 29, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1 },   // 3 chunks of 3 images
        new[] { 5, 4, 7, 9, 4, 2, 3, 2, 1, 0, 2, 1, 2, 2 },     // groups, stride, dilation, rectangular
        new[] { 3, 6, 11, 10, 9, 3, 1, 1, 3, 2, 0, 2, 1, 3 },
        new[] { 1, 3, 5, 5, 2, 5, 5, 1, 1, 2, 2, 1, 1, 1 },     // one image, kernel as large as the padded input
        new[] { 3, 32, 33, 33, 8, 3, 3, 1, 1, 0, 0, 1, 1, 1 },  // one image per chunk: the product lands in place
        new[] { 13, 1, 28, 28, 5, 3, 3, 1, 1, 0, 0, 1, 1, 1 },  // the MNIST cnn's first layer, odd batch
        new[] { 11, 1, 28, 28, 32, 3, 3, 1, 1, 0, 0, 1, 1, 1 }, // the first layer at full width: the transposed filter gradient
        new[] { 7, 32, 13, 13, 64, 3, 3, 1, 1, 0, 0, 1, 1, 1 }, // the second layer: two chunks, transposed filter gradient
        new[] { 4, 6, 10, 9, 36, 3, 2, 2, 1, 1, 0, 2, 1, 2 },   // transposed filter gradient with groups, stride, dilation
        new[] { 3, 5, 9, 19, 20, 3, 4, 1, 1, 2, 3, 1, 2, 1 },   // col2im over two vectors of a row (float64: three), wide padding
        new[] { 2, 4, 6, 16, 4, 2, 3, 3, 1, 1, 1, 2, 1, 2 },    // a row of exactly one float32 vector, row stride 3, groups
        new[] { 2, 1, 18, 18, 8, 3, 3, 1, 1, 0, 0, 1, 1, 1 },   // direct (float32): a row of exactly one vector
        new[] { 3, 1, 40, 40, 12, 2, 2, 1, 1, 0, 0, 1, 1, 1 },  // direct: three vectors a row, 8 + 4 channels
        new[] { 2, 16, 20, 20, 9, 1, 1, 1, 1, 0, 0, 1, 1, 1 },  // direct: 1×1 over 16 channels (K = 16)
        new[] { 2, 4, 17, 35, 10, 2, 2, 1, 1, 0, 0, 1, 1, 1 },  // direct: rectangular, K = 16 over 4 channels
        new[] { 2, 3, 15, 17, 128, 3, 3, 2, 1, 0, 0, 2, 1, 1 }, // wide direct forward: two blocks of 64, stride and dilation
        new[] { 3, 4, 8, 8, 64, 3, 3, 1, 1, 0, 0, 1, 1, 1 },    // wide direct forward: rows of exactly six outputs
        new[] { 2, 8, 6, 7, 64, 3, 3, 1, 1, 0, 0, 1, 1, 1 },    // wide direct filter gradient only: rows of five outputs
        new[] { 2, 64, 9, 12, 30, 2, 3, 1, 1, 0, 0, 2, 1, 1 },  // wide direct input gradient: two blocks of 32 input channels,
                                                                // dilation, output channels in chunks of 24 and 6
        new[] { 2, 32, 5, 7, 3, 3, 3, 1, 1, 0, 0, 2, 1, 1 },    // wide direct input gradient: rows of exactly seven, and rows
                                                                // no tap reaches (oH = 1, dilation 2)
        new[] { 2, 4, 4, 8, 64, 3, 3, 1, 1, 0, 0, 1, 1, 1 },    // wide direct forward and filter gradient: a plane of 12 outputs
                                                                // (fewer than 16: moved to and from tiles element by element)
        new[] { 2, 32, 2, 7, 5, 2, 2, 1, 1, 0, 0, 1, 1, 1 },    // wide direct input gradient: a plane of 14 positions, likewise
        new[] { 2, 4, 3, 9, 64, 3, 3, 1, 1, 0, 0, 1, 1, 1 },    // wide direct forward and filter gradient: a plane of 7 outputs
                                                                // (fewer than 8: element by element on 256-bit vectors too)
        new[] { 2, 32, 1, 7, 5, 1, 1, 1, 1, 0, 0, 1, 1, 1 },    // wide direct input gradient: a plane of 7 positions, likewise
    };

    /// <summary>The cases whose filter gradient <see cref="DirectConvolution.AccumulateFilterGradWide"/> runs in float32
    /// with 512- or 256-bit vectors (one group, K &gt; 16, output channels a multiple of 64, no padding); the forward
    /// (<see cref="DirectConvolution.ForwardWide"/>) too when rows hold at least six outputs.</summary>
    public static TheoryData<int[]> WideCases => [.. ((IEnumerable<object[]>)Cases).Select(row => (int[])row[0])
        .Where(c => c[13] == 1 && c[1] * c[5] * c[6] > 16 && c[4] % 64 == 0 && c[9] == 0 && c[10] == 0)];

    /// <summary>The cases whose geometry <see cref="DirectConvolution"/> runs in float32 on machines with 512- or 256-bit
    /// vectors: one group, K ≤ 16, stride 1, no padding or dilation, rows of at least 16 outputs.</summary>
    public static TheoryData<int[]> DirectCases => [.. ((IEnumerable<object[]>)Cases).Select(row => (int[])row[0])
        .Where(c => c[13] == 1 && c[1] * c[5] * c[6] <= 16 && c[7] == 1 && c[8] == 1 && c[9] == 0 && c[10] == 0 && c[11] == 1 && c[12] == 1
            && Problem.From(c).Geometry.OutWidth >= 16)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_MatchesDirectLoops_Float64(int[] c) => CheckForward<double>(c, 1e-12);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_MatchesDirectLoops_Float32(int[] c) => CheckForward<float>(c, 2e-5);

    [Theory]
    [MemberData(nameof(Cases))]
    public void InputGrad_MatchesDirectLoops_Float64(int[] c) => CheckInputGrad<double>(c, 1e-12);

    [Theory]
    [MemberData(nameof(Cases))]
    public void InputGrad_MatchesDirectLoops_Float32(int[] c) => CheckInputGrad<float>(c, 2e-5);

    [Theory]
    [MemberData(nameof(Cases))]
    public void FilterGrad_MatchesDirectLoops_Float64(int[] c) => CheckFilterGrad<double>(c, 1e-12);

    [Theory]
    [MemberData(nameof(Cases))]
    public void FilterGrad_MatchesDirectLoops_Float32(int[] c) => CheckFilterGrad<float>(c, 2e-5);

    [Theory]
    [MemberData(nameof(Cases))]
    public void FilterGradWithBias_WeightColumnsAreTheSameBits_LastColumnSumsDy_Float64(int[] c) => CheckFilterGradWithBias<double>(c, 1e-12);

    [Theory]
    [MemberData(nameof(Cases))]
    public void FilterGradWithBias_WeightColumnsAreTheSameBits_LastColumnSumsDy_Float32(int[] c) => CheckFilterGradWithBias<float>(c, 2e-5);

    [Fact]
    public void ImagesPerChunk_ColumnsAndOutputsFillAboutAQuarterMegaElement_AtLeastOneImage()
    {
        var cnn2 = new ConvGeometry(32, 13, 13, 3, 3, 1, 1, 0, 0, 1, 1);   // (K + outC)·L = (288 + 64)·121 = 42,592 per image
        Assert.Equal(6, Convolution.ImagesPerChunk(cnn2, 64, 128));
        Assert.Equal(3, Convolution.ImagesPerChunk(cnn2, 64, 3));
        var cnn1 = new ConvGeometry(1, 28, 28, 3, 3, 1, 1, 0, 0, 1, 1);    // (9 + 32)·676 = 27,716 per image
        Assert.Equal(9, Convolution.ImagesPerChunk(cnn1, 32, 128));
        var huge = new ConvGeometry(64, 64, 64, 3, 3, 1, 1, 1, 1, 1, 1);   // K·L = 576·4096 > 256 K
        Assert.Equal(1, Convolution.ImagesPerChunk(huge, 64, 8));
    }

    internal sealed record Problem(int Batch, int OutChannels, int Groups, ConvGeometry Geometry)
    {
        public static Problem From(int[] c) =>
            new(c[0], c[4], c[13], new ConvGeometry(c[1] / c[13], c[2], c[3], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12]));

        public int InChannels => Geometry.Channels * Groups;

        public int XSize => Batch * InChannels * Geometry.Height * Geometry.Width;

        public int WSize => OutChannels * Geometry.ColumnRows;

        public int YSize => Batch * OutChannels * Geometry.ColumnCount;

        // Visits every (n, o, oh, ow, c, ki, kj) term of the sum that defines y, with the flat indices of x, w and y.
        public void ForEachTerm(Action<int, int, int> term)
        {
            ConvGeometry g = Geometry;
            int perGroup = OutChannels / Groups, oH = g.OutHeight, oW = g.OutWidth;
            for (int n = 0; n < Batch; n++)
            {
                for (int o = 0; o < OutChannels; o++)
                {
                    int group = o / perGroup;
                    for (int oh = 0; oh < oH; oh++)
                    {
                        for (int ow = 0; ow < oW; ow++)
                        {
                            int yIndex = (((n * OutChannels) + o) * oH * oW) + (oh * oW) + ow;
                            for (int c = 0; c < g.Channels; c++)
                            {
                                for (int ki = 0; ki < g.KernelHeight; ki++)
                                {
                                    int ih = (oh * g.StrideHeight) - g.PadHeight + (ki * g.DilationHeight);
                                    for (int kj = 0; kj < g.KernelWidth; kj++)
                                    {
                                        int iw = (ow * g.StrideWidth) - g.PadWidth + (kj * g.DilationWidth);
                                        if ((uint)ih >= (uint)g.Height || (uint)iw >= (uint)g.Width)
                                        {
                                            continue;
                                        }

                                        int channel = (group * g.Channels) + c;
                                        int xIndex = (((n * InChannels) + channel) * g.Height * g.Width) + (ih * g.Width) + iw;
                                        int wIndex = (((o * g.Channels) + c) * g.KernelHeight * g.KernelWidth) + (ki * g.KernelWidth) + kj;
                                        term(xIndex, wIndex, yIndex);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    internal static T[] Random<T>(int length, int seed)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => T.CreateTruncating(random.NextDouble() - 0.5)).ToArray();
    }

    private static void CheckForward<T>(int[] c, double tolerance)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Problem p = Problem.From(c);
        T[] x = Random<T>(p.XSize, 1), w = Random<T>(p.WSize, 2), bias = Random<T>(p.OutChannels, 3);
        var expected = new double[p.YSize];
        p.ForEachTerm((xi, wi, yi) => expected[yi] += double.CreateTruncating(x[xi]) * double.CreateTruncating(w[wi]));

        var y = new T[p.YSize];
        Convolution.Forward<T>(x, w, y, p.Batch, p.OutChannels, p.Groups, p.Geometry);
        AssertClose(expected, y, tolerance);

        int l = p.Geometry.ColumnCount;
        double[] withBias = expected.Select((v, i) => v + double.CreateTruncating(bias[(i / l) % p.OutChannels])).ToArray();
        Array.Fill(y, T.NaN);
        Convolution.Forward<T>(x, w, bias, y, p.Batch, p.OutChannels, p.Groups, p.Geometry);
        AssertClose(withBias, y, tolerance);
    }

    private static void CheckInputGrad<T>(int[] c, double tolerance)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Problem p = Problem.From(c);
        T[] dy = Random<T>(p.YSize, 4), w = Random<T>(p.WSize, 5);
        var expected = new double[p.XSize];
        p.ForEachTerm((xi, wi, yi) => expected[xi] += double.CreateTruncating(dy[yi]) * double.CreateTruncating(w[wi]));

        T[] dx = Enumerable.Repeat(T.NaN, p.XSize).ToArray();
        Convolution.InputGrad<T>(dy, w, dx, p.Batch, p.OutChannels, p.Groups, p.Geometry);
        AssertClose(expected, dx, tolerance);
    }

    private static void CheckFilterGrad<T>(int[] c, double tolerance)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Problem p = Problem.From(c);
        T[] x = Random<T>(p.XSize, 6), dy = Random<T>(p.YSize, 7);
        var expected = new double[p.WSize];
        p.ForEachTerm((xi, wi, yi) => expected[wi] += double.CreateTruncating(x[xi]) * double.CreateTruncating(dy[yi]));

        T[] dw = Enumerable.Repeat(T.NaN, p.WSize).ToArray();
        Convolution.FilterGrad<T>(x, dy, dw, p.Batch, p.OutChannels, p.Groups, p.Geometry);
        AssertClose(expected, dw, tolerance * Math.Sqrt(p.Batch * p.Geometry.ColumnCount));
    }

    private static void CheckFilterGradWithBias<T>(int[] c, double tolerance)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Problem p = Problem.From(c);
        T[] x = Random<T>(p.XSize, 6), dy = Random<T>(p.YSize, 7);
        T[] dw = Enumerable.Repeat(T.NaN, p.WSize).ToArray();
        Convolution.FilterGrad<T>(x, dy, dw, p.Batch, p.OutChannels, p.Groups, p.Geometry);

        int k = p.Geometry.ColumnRows, l = p.Geometry.ColumnCount;
        T[] both = Enumerable.Repeat(T.NaN, p.OutChannels * (k + 1)).ToArray();
        Convolution.FilterGrad<T>(x, dy, both, p.Batch, p.OutChannels, p.Groups, p.Geometry, withBias: true);
        var bias = new double[p.OutChannels];
        var sums = new T[p.OutChannels];
        for (int o = 0; o < p.OutChannels; o++)
        {
            Assert.Equal(dw.AsSpan(o * k, k).ToArray(), both.AsSpan(o * (k + 1), k).ToArray());
            sums[o] = both[(o * (k + 1)) + k];
            for (int n = 0; n < p.Batch; n++)
            {
                for (int q = 0; q < l; q++)
                {
                    bias[o] += double.CreateTruncating(dy[(((n * p.OutChannels) + o) * l) + q]);
                }
            }
        }

        AssertClose(bias, sums, tolerance * Math.Sqrt(p.Batch * l));
    }

    private static void AssertClose<T>(double[] expected, T[] actual, double tolerance)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double value = double.CreateTruncating(actual[i]);
            Assert.True(Math.Abs(value - expected[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {value}");
        }
    }
}

/// <summary>The convolution kernels give the same bits on one and two threads (the chunking ignores the thread count).</summary>
[Collection(nameof(SettingsCollection))]
public class ConvolutionThreadCountTests
{
    [Theory]
    [MemberData(nameof(ConvolutionTests.Cases), MemberType = typeof(ConvolutionTests))]
    public void Kernels_OneAndTwoThreads_AreBitIdentical(int[] c)
    {
        var p = ConvolutionTests.Problem.From(c);
        float[] x = ConvolutionTests.Random<float>(p.XSize, 1), w = ConvolutionTests.Random<float>(p.WSize, 2);
        float[] bias = ConvolutionTests.Random<float>(p.OutChannels, 3), dy = ConvolutionTests.Random<float>(p.YSize, 4);
        var (one, two) = ThreadCounts.OneAndTwo(() => Run(p, x, w, bias, dy));
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.Dw, two.Dw);
        Assert.Equal(one.WithBias, two.WithBias);
    }

    private static (float[] Y, float[] Dx, float[] Dw, float[] WithBias) Run(ConvolutionTests.Problem p, float[] x, float[] w, float[] bias, float[] dy)
    {
        var y = new float[p.YSize];
        var dx = new float[p.XSize];
        var dw = new float[p.WSize];
        var both = new float[p.WSize + p.OutChannels];
        Convolution.Forward<float>(x, w, bias, y, p.Batch, p.OutChannels, p.Groups, p.Geometry);
        Convolution.InputGrad<float>(dy, w, dx, p.Batch, p.OutChannels, p.Groups, p.Geometry);
        Convolution.FilterGrad<float>(x, dy, dw, p.Batch, p.OutChannels, p.Groups, p.Geometry);
        Convolution.FilterGrad<float>(x, dy, both, p.Batch, p.OutChannels, p.Groups, p.Geometry, withBias: true);
        return (y, dx, dw, both);
    }
}

/// <summary>A compiled CNN training step allocates nothing once warm: the column, staging and partial buffers are reused.</summary>
/// <remarks>
/// Which chunks the calling thread runs, and so which of its per-thread buffers grow, depends on when the worker is
/// free; with other tests keeping the pool busy, a chunk kind could first land on the calling thread after the warm-up.
/// So the test runs alone (it also sets <see cref="Settings.NumThreads"/>) and warms up once on one thread, where the
/// calling thread runs every chunk, before counting the steady state on the default thread count.
/// </remarks>
[Collection(nameof(SettingsCollection))]
public class ConvolutionAllocationTests
{
    [Fact]
    public void CompiledCnnStep_AfterWarmUp_AllocatesNothing()
    {
        // 8 channels of 40×40: (K + outC)·L = 80·1444 per image, two images per chunk, so the batch of 6 runs as three chunks and the
        // filter gradient sums three partials.
        Generator.ManualSeed(3);
        var model = new Sequential(new Conv2D(8, 3, activation: "relu", inChannels: 8), new MaxPool2D(2), new Flatten(), new Dense(3));
        var generator = new Generator(4);
        Tensor x = Tensor.RandN([6, 8, 40, 40], generator), y = Tensor.RandN([6, 3], generator);
        model.Call(x);
        var loss = new MeanSquaredError();
        var step = CompiledTrainingStep.Create((a, b) => loss.Compute(model.Call(a), b),
            new TensorSpec([Dim.B, 8, 40, 40]), TensorSpec.Batched(3), new Adam(model.Parameters(), 1e-3), DataParallel.Off);
        Assert.Equal(2, Convolution.ImagesPerChunk(new ConvGeometry(8, 40, 40, 3, 3, 1, 1, 0, 0, 1, 1), 8, 6));
        int before = Settings.NumThreads;
        try
        {
            Settings.NumThreads = 1;
            step.Step(x, y);
        }
        finally
        {
            Settings.NumThreads = before;
        }

        Assert.Equal(0, Allocations.AfterWarmUp(() => step.Step(x, y), runs: 5));
    }
}

/// <summary>
/// <see cref="DirectConvolution"/> against the im2col path on the same data: the forward (bias and a fused epilogue
/// included) gives the same bits, as it sums every output the same way; the filter gradient sums in another order, so it
/// agrees to rounding.
/// </summary>
[Collection(nameof(SettingsCollection))]
public class DirectConvolutionTests
{
    [Fact]
    public void Sum4_GivesTheBitsOfVector512SumForEachOfItsFourVectors()
    {
        // The first-layer filter gradient reduces four accumulators at once and must add the same bits to the weights as
        // four Vector512.Sum calls: values spread over 2^-20 … 2^20 with both signs, so a different pairing rounds apart.
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            // Without AVX-512 the first layer's filter gradient reduces with LaneSums.Sum16 (LaneSumsTests) instead.
            Assert.NotEqual(512, DirectConvolution.NativeVectorBits);
            return;
        }

        var random = new Random(29);
        Vector512<float> Make() => Vector512.Create(
            [.. Enumerable.Range(0, 16).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-20, 21))))]);
        for (int trial = 0; trial < 2000; trial++)
        {
            var (a, b, c, d) = (Make(), Make(), Make(), Make());
            var sums = DirectConvolution.Sum4(a, b, c, d);
            float[] expected = [Vector512.Sum(a), Vector512.Sum(b), Vector512.Sum(c), Vector512.Sum(d)];
            float[] actual = [sums.GetElement(0), sums.GetElement(1), sums.GetElement(2), sums.GetElement(3)];
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Applies_ToTheMnistFirstLayer_NotToPaddedStridedOrWideLayers()
    {
        Assert.Equal(DirectConvolution.VectorBits != 0,
            DirectConvolution.Applies<float>(new ConvGeometry(1, 28, 28, 3, 3, 1, 1, 0, 0, 1, 1), 1));
        Assert.False(DirectConvolution.Applies<double>(new ConvGeometry(1, 28, 28, 3, 3, 1, 1, 0, 0, 1, 1), 1));
        Assert.False(DirectConvolution.Applies<float>(new ConvGeometry(1, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1), 1));
        Assert.False(DirectConvolution.Applies<float>(new ConvGeometry(1, 28, 28, 3, 3, 2, 2, 0, 0, 1, 1), 1));
        Assert.False(DirectConvolution.Applies<float>(new ConvGeometry(32, 13, 13, 3, 3, 1, 1, 0, 0, 1, 1), 1));
        Assert.False(DirectConvolution.Applies<float>(new ConvGeometry(1, 12, 12, 3, 3, 1, 1, 0, 0, 1, 1), 1));
    }

    [Theory]
    [MemberData(nameof(ConvolutionTests.DirectCases), MemberType = typeof(ConvolutionTests))]
    public void Forward_IsBitIdenticalToIm2Col_FilterGradAgreesToRounding(int[] c)
    {
        var (p, direct, im2col) = BothPaths(c, on => DirectConvolution.Enabled = on);
        Assert.Equal(im2col.Y, direct.Y);
        Assert.Equal(im2col.Relu, direct.Relu);
        Assert.Equal(direct.Y.Select(v => Math.Max(v, 0f)), direct.Relu);
        AssertFilterGradClose(p, direct.Dw, im2col.Dw);
    }

    [Theory]
    [MemberData(nameof(ConvolutionTests.WideCases), MemberType = typeof(ConvolutionTests))]
    public void WideKernels_AgreeWithIm2ColToRounding_WithBiasAndEpilogue(int[] c)
    {
        var (p, direct, im2col) = BothPaths(c, on => DirectConvolution.WideEnabled = on);
        for (int i = 0; i < p.YSize; i++)
        {
            Assert.True(Math.Abs(direct.Y[i] - im2col.Y[i]) <= 1e-5 * (1 + Math.Abs(im2col.Y[i])), $"y[{i}]: {direct.Y[i]} vs {im2col.Y[i]}");
            Assert.Equal(Math.Max(direct.Y[i], 0f), direct.Relu[i]);
        }

        AssertFilterGradClose(p, direct.Dw, im2col.Dw);
    }

    [Theory]
    [MemberData(nameof(ConvolutionTests.Cases), MemberType = typeof(ConvolutionTests))]
    public void Kernels_256And512BitVectors_AreBitIdentical(int[] c)
    {
        // The 256-bit register blocks sum every output and weight gradient in the 512-bit blocks' order, so a model gives
        // the same numbers on machines with and without AVX-512. Only a machine with both can compare them.
        if (DirectConvolution.NativeVectorBits != 512)
        {
            Assert.Equal(System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported ? 256 : 0,
                DirectConvolution.VectorBits);
            return;
        }

        var p = ConvolutionTests.Problem.From(c);
        float[] dy = ConvolutionTests.Random<float>(p.YSize, 4), w = ConvolutionTests.Random<float>(p.WSize, 2);
        try
        {
            var wide = Outputs(p);
            float[] wideDx = InputGradIntoNaNs(p, dy, w);
            DirectConvolution.VectorBits = 256;
            var narrow = Outputs(p);
            Assert.Equal(wide.Y, narrow.Y);
            Assert.Equal(wide.Relu, narrow.Relu);
            Assert.Equal(wide.Dw, narrow.Dw);
            Assert.Equal(wideDx, InputGradIntoNaNs(p, dy, w));
        }
        finally
        {
            DirectConvolution.VectorBits = DirectConvolution.NativeVectorBits;
        }
    }

    [Theory]
    [InlineData(7)]  // chunks that split a channel's taps, 288 = 41·7 + 1
    [InlineData(72)] // the default: eight channels' taps
    public void WideForward_InTapChunks_IsBitIdenticalToOnePass(int chunk)
    {
        // The cnn's second layer: rows of 11 outputs, so each row's last block of six overlaps the one before.
        int before = DirectConvolution.TapChunk;
        try
        {
            var (p, chunked, onePass) = BothPaths([3, 32, 13, 13, 64, 3, 3, 1, 1, 0, 0, 1, 1, 1], on => DirectConvolution.TapChunk = on ? chunk : 1 << 20);
            Assert.True(p.Geometry.ColumnRows > chunk);
            Assert.Equal(onePass.Y, chunked.Y);
            Assert.Equal(onePass.Relu, chunked.Relu);
            Assert.Contains(chunked.Y, v => v != 0f);
        }
        finally
        {
            DirectConvolution.TapChunk = before;
        }
    }

    [Fact]
    public void WideInputGrad_AppliesToUnpaddedStrideOneLayersOf32InputChannels()
    {
        bool wide = DirectConvolution.VectorBits != 0;
        Assert.Equal(wide, DirectConvolution.AppliesWideInputGrad<float>(new ConvGeometry(32, 13, 13, 3, 3, 1, 1, 0, 0, 1, 1), 1));
        Assert.Equal(wide, DirectConvolution.AppliesWideInputGrad<float>(new ConvGeometry(64, 9, 12, 2, 3, 1, 1, 0, 0, 2, 1), 1));
        Assert.False(DirectConvolution.AppliesWideInputGrad<double>(new ConvGeometry(32, 13, 13, 3, 3, 1, 1, 0, 0, 1, 1), 1));
        Assert.False(DirectConvolution.AppliesWideInputGrad<float>(new ConvGeometry(16, 13, 13, 3, 3, 1, 1, 0, 0, 1, 1), 1));
        Assert.False(DirectConvolution.AppliesWideInputGrad<float>(new ConvGeometry(32, 13, 13, 3, 3, 2, 2, 0, 0, 1, 1), 1));
        Assert.False(DirectConvolution.AppliesWideInputGrad<float>(new ConvGeometry(32, 13, 13, 3, 3, 1, 1, 1, 1, 1, 1), 1));
        Assert.False(DirectConvolution.AppliesWideInputGrad<float>(new ConvGeometry(32, 13, 13, 3, 3, 1, 1, 0, 0, 1, 1), 2));
        Assert.False(DirectConvolution.AppliesWideInputGrad<float>(new ConvGeometry(32, 13, 6, 3, 3, 1, 1, 0, 0, 1, 1), 1));
    }

    [Theory]
    [InlineData(9)]   // one output channel per chunk
    [InlineData(144)] // the default: 16 output channels of 3 × 3 taps
    public void WideInputGrad_InChannelChunks_IsBitIdenticalToOneChunk_AndAgreesWithIm2Col(int chunk)
    {
        var p = ConvolutionTests.Problem.From([3, 32, 13, 13, 64, 3, 3, 1, 1, 0, 0, 1, 1, 1]);
        float[] dy = ConvolutionTests.Random<float>(p.YSize, 4), w = ConvolutionTests.Random<float>(p.WSize, 5);
        float[] Run() => InputGradIntoNaNs(p, dy, w);

        int before = DirectConvolution.InputGradTapChunk;
        try
        {
            DirectConvolution.InputGradTapChunk = chunk;
            float[] chunked = Run();
            DirectConvolution.InputGradTapChunk = 1 << 20;
            Assert.Equal(Run(), chunked);

            DirectConvolution.WideEnabled = false;
            float[] im2col = Run();
            double scale = Math.Sqrt(p.OutChannels * 9);
            for (int i = 0; i < p.XSize; i++)
            {
                Assert.True(Math.Abs(chunked[i] - im2col[i]) <= 1e-5 * scale * (1 + Math.Abs(im2col[i])), $"dx[{i}]: {chunked[i]} vs {im2col[i]}");
            }
        }
        finally
        {
            DirectConvolution.InputGradTapChunk = before;
            DirectConvolution.WideEnabled = true;
        }
    }

    [Theory]
    [InlineData(9)]   // one output channel per chunk: every block carries the tile's partial sums on
    [InlineData(144)] // the default
    public void WideInputGrad_ThirteenWideRows_WholeRowBlockIsBitIdenticalToSevenAndSix(int chunk)
    {
        // The cnn's second layer: dx rows of 13 positions, one 13-position block or a block of seven and one of six.
        var p = ConvolutionTests.Problem.From([3, 32, 13, 13, 64, 3, 3, 1, 1, 0, 0, 1, 1, 1]);
        float[] dy = ConvolutionTests.Random<float>(p.YSize, 6), w = ConvolutionTests.Random<float>(p.WSize, 7);
        float[] Run() => InputGradIntoNaNs(p, dy, w);

        int before = DirectConvolution.InputGradTapChunk;
        try
        {
            DirectConvolution.InputGradTapChunk = chunk;
            float[] whole = Run();
            DirectConvolution.WholeRowInputGrad = false;
            float[] split = Run();
            Assert.Equal(split, whole);
            Assert.DoesNotContain(whole, float.IsNaN);
        }
        finally
        {
            DirectConvolution.InputGradTapChunk = before;
            DirectConvolution.WholeRowInputGrad = true;
        }
    }

    /// <summary>The input gradient of problem <paramref name="p"/> written over NaNs, so an element the kernel skips shows.</summary>
    private static float[] InputGradIntoNaNs(ConvolutionTests.Problem p, float[] dy, float[] w)
    {
        float[] dx = Enumerable.Repeat(float.NaN, p.XSize).ToArray();
        Convolution.InputGrad<float>(dy, w, dx, p.Batch, p.OutChannels, p.Groups, p.Geometry);
        return dx;
    }

    /// <summary>The forward (with bias, and with a ReLU epilogue) and the filter gradient of case <paramref name="c"/>, with
    /// the direct kernels on and then switched off by <paramref name="enable"/>(false) (on again afterwards).</summary>
    private static (ConvolutionTests.Problem P, (float[] Y, float[] Relu, float[] Dw) Direct, (float[] Y, float[] Relu, float[] Dw) Im2Col)
        BothPaths(int[] c, Action<bool> enable)
    {
        var p = ConvolutionTests.Problem.From(c);
        var direct = Outputs(p);
        enable(false);
        try
        {
            return (p, direct, Outputs(p));
        }
        finally
        {
            enable(true);
        }
    }

    /// <summary>The forward (with bias, and with a ReLU epilogue) and the filter gradient of problem <paramref name="p"/>
    /// on seeded data, with the kernels as they are set.</summary>
    private static (float[] Y, float[] Relu, float[] Dw) Outputs(ConvolutionTests.Problem p)
    {
        float[] x = ConvolutionTests.Random<float>(p.XSize, 1), w = ConvolutionTests.Random<float>(p.WSize, 2);
        float[] bias = ConvolutionTests.Random<float>(p.OutChannels, 3), dy = ConvolutionTests.Random<float>(p.YSize, 4);
        var y = new float[p.YSize];
        var relu = new float[p.YSize];
        var dw = new float[p.WSize];
        Convolution.Forward<float>(x, w, bias, y, p.Batch, p.OutChannels, p.Groups, p.Geometry);
        Convolution.Forward<float>(x, w, bias, relu, p.Batch, p.OutChannels, p.Groups, p.Geometry, new Relu());
        Convolution.FilterGrad<float>(x, dy, dw, p.Batch, p.OutChannels, p.Groups, p.Geometry);
        return (y, relu, dw);
    }

    // The filter gradients sum over batch × positions terms in different orders: close to float32 rounding of such a sum.
    private static void AssertFilterGradClose(ConvolutionTests.Problem p, float[] direct, float[] im2col)
    {
        double scale = Math.Sqrt(p.Batch * p.Geometry.ColumnCount);
        for (int i = 0; i < p.WSize; i++)
        {
            Assert.True(Math.Abs(direct[i] - im2col[i]) <= 1e-5 * scale * (1 + Math.Abs(im2col[i])), $"dW[{i}]: {direct[i]} vs {im2col[i]}");
        }
    }

    private sealed class Relu : IGemmEpilogue<float>
    {
        public void Apply(Span<float> c, int ldc, int row0, int rows, int col0, int cols)
        {
            for (int r = row0; r < row0 + rows; r++)
            {
                Span<float> line = c.Slice((r * ldc) + col0, cols);
                for (int i = 0; i < line.Length; i++)
                {
                    line[i] = Math.Max(line[i], 0f);
                }
            }
        }
    }
}
