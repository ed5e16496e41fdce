using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace AutoGrad.Kernels;

/// <summary>
/// 2-D convolution (cross-correlation, as in every deep-learning library) over NCHW batches and its two adjoints,
/// each as im2col/col2im of one image plus one GEMM. Images are split across cores; each worker reuses one pooled
/// column buffer. Weights are [outC, C/groups, kH, kW], i.e. an outC × (C/groups·kH·kW) matrix. With groups > 1 the
/// channels split into that many independent convolutions (PyTorch's <c>groups</c>): group j reads input channels
/// [j·C/groups, (j + 1)·C/groups) and writes output channels [j·outC/groups, (j + 1)·outC/groups); the geometry
/// <c>g</c> describes one group (its <see cref="ConvGeometry.Channels"/> is C/groups).
/// </summary>
internal static class Convolution
{
    // Below this many multiply-adds per call, starting workers costs more than it saves.
    private const long ParallelThreshold = 1 << 18;

    /// <summary>y[n] (outC × oH·oW) = W (outC × K) · im2col(x[n]) (K × oH·oW) for every image n, per group.</summary>
    public static void Forward<T>(Memory<T> x, Memory<T> weight, Memory<T> y, int batch, int outChannels, int groups, ConvGeometry g)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = g.ColumnRows, l = g.ColumnCount, perGroup = outChannels / groups;
        if (l == 0 || batch == 0 || outChannels == 0)
        {
            return;
        }

        ForEachImage<T>(batch, (long)k * l * outChannels, k * l, (n, cols) =>
        {
            for (int j = 0; j < groups; j++)
            {
                Im2Col.Unfold(x.Span.Slice(((n * groups) + j) * g.ImageSize, g.ImageSize), g, cols);
                Gemm.Multiply<T>(weight.Span.Slice(j * perGroup * k, perGroup * k), k, false, cols, l, false,
                    y.Span.Slice(((n * outChannels) + (j * perGroup)) * l, perGroup * l), l, perGroup, l, k, accumulate: false);
            }
        });
    }

    /// <summary>dx[n] = col2im(Wᵀ (K × outC) · dy[n] (outC × oH·oW)) for every image n: the adjoint of <see cref="Forward{T}"/> in x.</summary>
    public static void InputGrad<T>(Memory<T> dy, Memory<T> weight, Memory<T> dx, int batch, int outChannels, int groups, ConvGeometry g)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = g.ColumnRows, l = g.ColumnCount, perGroup = outChannels / groups;
        if (l == 0 || outChannels == 0 || k == 0)
        {
            dx.Span.Clear();
            return;
        }

        ForEachImage<T>(batch, (long)k * l * outChannels, k * l, (n, cols) =>
        {
            for (int j = 0; j < groups; j++)
            {
                Gemm.Multiply<T>(weight.Span.Slice(j * perGroup * k, perGroup * k), k, true, dy.Span.Slice(((n * outChannels) + (j * perGroup)) * l, perGroup * l), l, false,
                    cols, l, k, l, perGroup, accumulate: false);
                Im2Col.Fold<T>(cols, g, dx.Span.Slice(((n * groups) + j) * g.ImageSize, g.ImageSize));
            }
        });
    }

    /// <summary>dW (outC × K) = Σₙ dy[n] (outC × oH·oW) · im2col(x[n])ᵀ per group: the adjoint of <see cref="Forward{T}"/> in W.</summary>
    public static void FilterGrad<T>(Memory<T> x, Memory<T> dy, Memory<T> dw, int batch, int outChannels, int groups, ConvGeometry g)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int k = g.ColumnRows, l = g.ColumnCount, size = outChannels * k, perGroup = outChannels / groups;
        dw.Span.Clear();
        if (l == 0 || k == 0 || outChannels == 0 || batch == 0)
        {
            return;
        }

        // Each worker sums its images into a private slab; the slabs are added at the end in a fixed order, so the
        // result does not depend on scheduling.
        int workers = Workers(batch, (long)k * l * outChannels);
        Memory<T> partial = workers == 1 ? dw : new T[workers * size];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, worker =>
        {
            T[] columns = ArrayPool<T>.Shared.Rent(k * l);
            try
            {
                Span<T> cols = columns.AsSpan(0, k * l);
                Span<T> target = partial.Span.Slice(worker * size, size);
                for (int n = worker; n < batch; n += workers)
                {
                    for (int j = 0; j < groups; j++)
                    {
                        Im2Col.Unfold(x.Span.Slice(((n * groups) + j) * g.ImageSize, g.ImageSize), g, cols);
                        Gemm.Multiply<T>(dy.Span.Slice(((n * outChannels) + (j * perGroup)) * l, perGroup * l), l, false, cols, l, true,
                            target.Slice(j * perGroup * k, perGroup * k), k, perGroup, k, l, accumulate: true);
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(columns);
            }
        });

        if (workers > 1)
        {
            for (int w = 0; w < workers; w++)
            {
                TensorPrimitives.Add(dw.Span, partial.Span.Slice(w * size, size), dw.Span);
            }
        }
    }

    private delegate void ImageAction<T>(int image, Span<T> columns);

    private static int Workers(int batch, long workPerImage) =>
        workPerImage * batch < ParallelThreshold ? 1 : Math.Clamp(Environment.ProcessorCount, 1, batch);

    // Images n = worker, worker + workers, … go to each worker, which owns one column buffer.
    private static void ForEachImage<T>(int batch, long workPerImage, int columnSize, ImageAction<T> action)
        where T : unmanaged
    {
        int workers = Workers(batch, workPerImage);
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, worker =>
        {
            T[] columns = ArrayPool<T>.Shared.Rent(columnSize);
            try
            {
                for (int n = worker; n < batch; n += workers)
                {
                    action(n, columns.AsSpan(0, columnSize));
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(columns);
            }
        });
    }
}
