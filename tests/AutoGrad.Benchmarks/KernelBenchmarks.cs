using AutoGrad.Kernels;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The hand-written kernels without a TensorPrimitives equivalent, each against the simple loop it replaces:
/// comparison masks, where, argmax along an axis, im2col, convolution forward (im2col + GEMM vs a direct 7-deep
/// loop) and max-pool window search. Shapes: 2²⁰ elements; a 1024×1024 matrix; a batch of 32 MNIST-sized
/// 8-channel feature maps with 3×3 kernels and 2×2 pooling.
/// </summary>
public class KernelBenchmarks
{
    private const int Length = 1 << 20;
    private const int Batch = 32;
    private const int OutChannels = 16;
    private static readonly ConvGeometry Conv = new(8, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1);
    private static readonly ConvGeometry Pool = new(8, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1);
    private float[] _x = [];
    private float[] _y = [];
    private bool[] _condition = [];
    private long[] _indices = [];
    private float[] _destination = [];
    private float[] _images = [];
    private float[] _weight = [];
    private float[] _columns = [];
    private float[] _output = [];

    /// <summary>The kernel.</summary>
    [Params("compare", "where", "argmax", "im2col", "conv2d", "maxpool")]
    public string Kernel { get; set; } = "compare";

    /// <summary>Random inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var generator = new Generator(13);
        _x = Tensor.Uniform([Length], -1, 1, generator).ToArray<float>();
        _y = Tensor.Uniform([Length], -1, 1, generator).ToArray<float>();
        _condition = Tensor.RandInt(0, 2, [Length], generator).ToArray<bool>();
        _indices = new long[Length];
        _destination = new float[Length];
        _images = Tensor.Uniform([Batch * Conv.ImageSize], -1, 1, generator).ToArray<float>();
        _weight = Tensor.Uniform([OutChannels * Conv.ColumnRows], -1, 1, generator).ToArray<float>();
        _columns = new float[Conv.ColumnRows * Conv.ColumnCount];
        _output = new float[Batch * OutChannels * Conv.ColumnCount];
    }

    /// <summary>The straightforward loop.</summary>
    [Benchmark(Baseline = true)]
    public float Simple()
    {
        float[] x = _x, y = _y, d = _destination;
        switch (Kernel)
        {
            case "compare":
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = x[i] > y[i] ? 1 : 0;
                }

                return d[0];
            case "where":
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = _condition[i] ? x[i] : y[i];
                }

                return d[0];
            case "argmax":
                for (int r = 0; r < 1024; r++)
                {
                    int best = 0;
                    for (int c = 1; c < 1024; c++)
                    {
                        if (x[(r * 1024) + c] > x[(r * 1024) + best])
                        {
                            best = c;
                        }
                    }

                    d[r] = best;
                }

                return d[0];
            case "im2col":
                NaiveIm2Col(_images.AsSpan(0, Conv.ImageSize), _columns);
                return _columns[0];
            case "conv2d":
                NaiveConv();
                return _output[0];
            default:
                NaiveMaxPool();
                return d[0];
        }
    }

    /// <summary>AutoGrad's kernel.</summary>
    [Benchmark]
    public float AutoGradKernel()
    {
        switch (Kernel)
        {
            case "compare":
                Compare.Run<float>(Comparison.Greater, _x, _y, _destination);
                return _destination[0];
            case "where":
                Select.Where<float>(_condition, _x, _y, _destination);
                return _destination[0];
            case "argmax":
                ArgReduce.Axis<float>(true, _x, _indices.AsSpan(0, 1024), 1024, 1024, 1);
                return _indices[0];
            case "im2col":
                Im2Col.Unfold<float>(_images.AsSpan(0, Conv.ImageSize), Conv, _columns);
                return _columns[0];
            case "conv2d":
                Convolution.Forward<float>(_images, _weight, _output, Batch, OutChannels, 1, Conv);
                return _output[0];
            default:
                Pooling.MaxIndices<float>(_images, Batch * Pool.Channels, Pool, _indices);
                return _indices[0];
        }
    }

    private static void NaiveIm2Col(ReadOnlySpan<float> image, Span<float> columns)
    {
        int oH = Conv.OutHeight, oW = Conv.OutWidth;
        for (int c = 0; c < Conv.Channels; c++)
        {
            for (int kh = 0; kh < Conv.KernelHeight; kh++)
            {
                for (int kw = 0; kw < Conv.KernelWidth; kw++)
                {
                    int row = (((c * Conv.KernelHeight) + kh) * Conv.KernelWidth) + kw;
                    for (int oh = 0; oh < oH; oh++)
                    {
                        for (int ow = 0; ow < oW; ow++)
                        {
                            int ih = oh - Conv.PadHeight + kh, iw = ow - Conv.PadWidth + kw;
                            bool inside = ih >= 0 && ih < Conv.Height && iw >= 0 && iw < Conv.Width;
                            columns[(row * oH * oW) + (oh * oW) + ow] = inside ? image[(((c * Conv.Height) + ih) * Conv.Width) + iw] : 0;
                        }
                    }
                }
            }
        }
    }

    private void NaiveConv()
    {
        int oH = Conv.OutHeight, oW = Conv.OutWidth, h = Conv.Height, w = Conv.Width;
        for (int n = 0; n < Batch; n++)
        {
            for (int o = 0; o < OutChannels; o++)
            {
                for (int oh = 0; oh < oH; oh++)
                {
                    for (int ow = 0; ow < oW; ow++)
                    {
                        float sum = 0;
                        for (int c = 0; c < Conv.Channels; c++)
                        {
                            for (int kh = 0; kh < 3; kh++)
                            {
                                int ih = oh - 1 + kh;
                                if (ih < 0 || ih >= h)
                                {
                                    continue;
                                }

                                for (int kw = 0; kw < 3; kw++)
                                {
                                    int iw = ow - 1 + kw;
                                    if (iw >= 0 && iw < w)
                                    {
                                        sum += _images[(((((n * Conv.Channels) + c) * h) + ih) * w) + iw] * _weight[(((((o * Conv.Channels) + c) * 3) + kh) * 3) + kw];
                                    }
                                }
                            }
                        }

                        _output[(((((n * OutChannels) + o) * oH) + oh) * oW) + ow] = sum;
                    }
                }
            }
        }
    }

    private void NaiveMaxPool()
    {
        int planes = Batch * Pool.Channels, oH = Pool.OutHeight, oW = Pool.OutWidth, h = Pool.Height, w = Pool.Width;
        int o = 0;
        for (int p = 0; p < planes; p++)
        {
            for (int oh = 0; oh < oH; oh++)
            {
                for (int ow = 0; ow < oW; ow++, o++)
                {
                    int best = (oh * 2 * w) + (ow * 2);
                    for (int kh = 0; kh < 2; kh++)
                    {
                        for (int kw = 0; kw < 2; kw++)
                        {
                            int at = (((oh * 2) + kh) * w) + (ow * 2) + kw;
                            if (_images[(p * h * w) + at] > _images[(p * h * w) + best])
                            {
                                best = at;
                            }
                        }
                    }

                    _destination[o] = best;
                }
            }
        }
    }
}
