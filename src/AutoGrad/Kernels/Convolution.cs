using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace AutoGrad.Kernels;

/// <summary>
/// 2-D convolution (cross-correlation, as in every deep-learning library) over NCHW batches and its two adjoints, as
/// packed GEMMs over batched im2col columns. Weights are [outC, C/groups, kH, kW], i.e. an outC × (C/groups·kH·kW)
/// matrix. With groups > 1 the channels split into that many independent convolutions (PyTorch's <c>groups</c>): group
/// j reads input channels [j·C/groups, (j + 1)·C/groups) and writes output channels [j·outC/groups, (j + 1)·outC/groups);
/// the geometry <c>g</c> describes one group (its <see cref="ConvGeometry.Channels"/> is C/groups).
/// </summary>
/// <remarks>
/// <para>The batch is cut into chunks of consecutive images whose column matrices and outputs together hold about
/// <see cref="ChunkElements"/> elements; a chunk's columns sit side by side in one K × (images·oH·oW) matrix, so each
/// chunk is one product with a wide n instead of one small product per image, and its columns are still in L2 when the
/// GEMM packs them. Chunks go to the cores through <see cref="Parallelism"/>; each thread reuses its own column and
/// staging buffers (<see cref="ConvolutionScratch{T}"/>), so a call allocates nothing once the buffers have grown.</para>
/// <para>The chunking depends only on the shapes, never on the thread count, and every chunk's arithmetic is the same
/// whichever thread runs it; the filter gradient sums one partial per chunk in chunk order. So results are bit-identical
/// for any <see cref="Settings.NumThreads"/>.</para>
/// </remarks>
internal static class Convolution
{
    /// <summary>Elements a chunk's columns and its gathered (or staged) outputs hold together: 256 K (1 MB of float32), about half an L2.</summary>
    internal const int ChunkElements = 1 << 18;

    /// <summary>Column rows (C·kH·kW) up to which the forward runs one image per chunk, its product written in place.</summary>
    internal const int InPlaceForwardMaxColumnRows = 16;

    /// <summary>
    /// Images per chunk for geometry <paramref name="g"/> and <paramref name="outPerGroup"/> output channels per group: as
    /// many as fit <see cref="ChunkElements"/> with their (K + outC/groups)·oH·oW elements of columns and outputs, at
    /// least one. (A first layer has few column rows but many output channels, so counting the columns alone would
    /// make its chunks' output gradients spill out of L2.)
    /// </summary>
    internal static int ImagesPerChunk(in ConvGeometry g, int outPerGroup, int batch) =>
        (int)Math.Clamp(ChunkElements / Math.Max(1L, ((long)g.ColumnRows + outPerGroup) * g.ColumnCount), 1, Math.Max(batch, 1));

    /// <summary>
    /// y[n] (outC × oH·oW) = W (outC × K) · im2col(x[n]) (K × oH·oW) (+ bias[o] on every element of output channel o when
    /// <paramref name="bias"/> is not empty) for every image n, per group. The bias is added in the pass that moves each
    /// product into its image, so it costs no sweep of its own.
    /// </summary>
    public static void Forward<T>(Memory<T> x, Memory<T> weight, Memory<T> bias, Memory<T> y, int batch, int outChannels, int groups, ConvGeometry g)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Forward(x, weight, bias, y, batch, outChannels, groups, g, epilogue: null);

    /// <summary>
    /// The forward with <paramref name="epilogue"/> (when not null) applied to every element of y after its bias, in the
    /// same pass: y is seen as an (N·outC) × (oH·oW) matrix, and each run of a channel's positions the pass writes is
    /// handed to the epilogue as a block of one row (a whole product in place: its rows), on the thread that computed it.
    /// </summary>
    public static void Forward<T>(Memory<T> x, Memory<T> weight, Memory<T> bias, Memory<T> y, int batch, int outChannels, int groups, ConvGeometry g,
        IGemmEpilogue<T>? epilogue)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (g.ColumnCount == 0 || batch == 0 || outChannels == 0)
        {
            return;
        }

        Run(ConvolutionJob<T>.Mode.Forward, x, weight, y, bias, batch, outChannels, groups, g, epilogue);
    }

    /// <summary>y = conv(x, W) without bias; see <see cref="Forward{T}(Memory{T}, Memory{T}, Memory{T}, Memory{T}, int, int, int, ConvGeometry)"/>.</summary>
    public static void Forward<T>(Memory<T> x, Memory<T> weight, Memory<T> y, int batch, int outChannels, int groups, ConvGeometry g)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Forward(x, weight, Memory<T>.Empty, y, batch, outChannels, groups, g);

    /// <summary>dx[n] = col2im(Wᵀ (K × outC) · dy[n] (outC × oH·oW)) for every image n: the adjoint of the forward in x.</summary>
    public static void InputGrad<T>(Memory<T> dy, Memory<T> weight, Memory<T> dx, int batch, int outChannels, int groups, ConvGeometry g)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (g.ColumnCount == 0 || outChannels == 0 || g.ColumnRows == 0)
        {
            dx.Span.Clear();
            return;
        }

        Run(ConvolutionJob<T>.Mode.InputGrad, dy, weight, dx, Memory<T>.Empty, batch, outChannels, groups, g);
    }

    /// <summary>
    /// dW (outC × K) = Σₙ dy[n] (outC × oH·oW) · im2col(x[n])ᵀ per group: the adjoint of the forward in W. With
    /// <paramref name="withBias"/>, dw is outC × (K + 1) and its last column is the bias gradient Σₙ Σₚ dy[n, o, p], summed
    /// chunk by chunk while the chunk's dy is still in cache instead of in a pass of its own.
    /// </summary>
    public static void FilterGrad<T>(Memory<T> x, Memory<T> dy, Memory<T> dw, int batch, int outChannels, int groups, ConvGeometry g,
        bool withBias = false)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        dw.Span.Clear();
        int k = g.ColumnRows;
        if (g.ColumnCount == 0 || k == 0 || outChannels == 0 || batch == 0)
        {
            if (withBias && k == 0)
            {
                // No input channels: the bias column is still the sum of dy.
                BiasSums(dy.Span, 0, batch, outChannels, g.ColumnCount, dw.Span, k + 1);
            }

            return;
        }

        int size = outChannels * k;
        int chunks = ChunkCount(g, outChannels / groups, batch);
        if (chunks == 1 && !withBias)
        {
            Run(ConvolutionJob<T>.Mode.FilterGrad, x, dy, dw, Memory<T>.Empty, batch, outChannels, groups, g);
            return;
        }

        // One partial per chunk (the outC × K products, then the outC bias sums), summed in chunk order afterwards: the
        // same sums in the same order on any thread count.
        int part = size + (withBias ? outChannels : 0);
        Memory<T> partials = ConvolutionScratch<T>.Partials(chunks * part);
        Run(ConvolutionJob<T>.Mode.FilterGrad, x, dy, partials, Memory<T>.Empty, batch, outChannels, groups, g, withBias: withBias);
        Span<T> total = partials.Span[..part];
        for (int c = 1; c < chunks; c++)
        {
            TensorPrimitives.Add(total, partials.Span.Slice(c * part, part), total);
        }

        Span<T> target = dw.Span;
        if (!withBias)
        {
            total.CopyTo(target);
            return;
        }

        for (int o = 0; o < outChannels; o++)
        {
            total.Slice(o * k, k).CopyTo(target.Slice(o * (k + 1), k));
            target[(o * (k + 1)) + k] = total[size + o];
        }
    }

    /// <summary>
    /// Adds Σ over images [<paramref name="first"/>, first + <paramref name="images"/>) and positions of dy[n, o, :] to
    /// destination[o·<paramref name="stride"/>] for each output channel o, image by image in order.
    /// </summary>
    internal static void BiasSums<T>(ReadOnlySpan<T> dy, int first, int images, int outChannels, int positions, Span<T> destination, int stride)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int n = first; n < first + images; n++)
        {
            for (int o = 0; o < outChannels; o++)
            {
                destination[o * stride] += TensorPrimitives.Sum(dy.Slice(((n * outChannels) + o) * positions, positions));
            }
        }
    }

    private static int ChunkCount(in ConvGeometry g, int outPerGroup, int batch)
    {
        int perChunk = ImagesPerChunk(g, outPerGroup, batch);
        return (batch + perChunk - 1) / perChunk;
    }

    private static void Run<T>(ConvolutionJob<T>.Mode mode, Memory<T> a, Memory<T> b, Memory<T> destination, Memory<T> bias,
        int batch, int outChannels, int groups, in ConvGeometry g, IGemmEpilogue<T>? epilogue = null, bool withBias = false)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // A forward with few column rows (a first layer: K = C·kH·kW = 9) is cheap per output element, so moving a
        // chunk's product from its staging buffer into NCHW order would cost about as much as the product: one image per
        // chunk writes the product in place instead.
        int perChunk = mode == ConvolutionJob<T>.Mode.Forward && g.ColumnRows <= InPlaceForwardMaxColumnRows
            ? 1
            : ImagesPerChunk(g, outChannels / groups, batch);
        int chunks = (batch + perChunk - 1) / perChunk;
        ConvolutionJob<T> job = ConvolutionJob<T>.ForCurrentThread();
        job.Set(mode, a, b, destination, bias, epilogue, batch, outChannels, groups, g, perChunk, withBias);
        try
        {
            double flops = 2.0 * outChannels * g.ColumnRows * g.ColumnCount * batch;
            int threads = chunks == 1 ? 1 : Parallelism.ThreadsFor(flops, Gemm.SplitFlopsPerThread);
            if (threads <= 1)
            {
                // Outside a parallel region, so a single large chunk's GEMM may still use every core.
                for (int c = 0; c < chunks; c++)
                {
                    job.Execute(c);
                }
            }
            else
            {
                Parallelism.For(chunks, job, threads);
            }
        }
        finally
        {
            job.Clear();
        }
    }
}

/// <summary>
/// One convolution kernel call cut into chunks of images (see <see cref="Convolution"/>): the fields are set before
/// each call and cleared after it, and one instance per calling thread is reused, so a call allocates nothing.
/// </summary>
internal sealed class ConvolutionJob<T> : IParallelBody
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [ThreadStatic]
    private static ConvolutionJob<T>? t_instance;

    private Mode _mode;
    private Memory<T> _a;
    private Memory<T> _b;
    private Memory<T> _destination;
    private Memory<T> _bias;
    private IGemmEpilogue<T>? _epilogue;
    private Memory<T> _weightT;
    private int _batch;
    private int _outChannels;
    private int _groups;
    private ConvGeometry _g;
    private int _perChunk;
    private bool _withBias;

    /// <summary>Which of the three products the job computes.</summary>
    public enum Mode
    {
        /// <summary>a = x, b = W, destination = y (with the optional bias).</summary>
        Forward,

        /// <summary>a = dy, b = W, destination = dx.</summary>
        InputGrad,

        /// <summary>a = x, b = dy, destination = one outC × K partial per chunk, followed by its outC bias sums when the
        /// call wants them (or dW itself for one chunk without).</summary>
        FilterGrad,
    }

    /// <summary>The calling thread's instance.</summary>
    public static ConvolutionJob<T> ForCurrentThread() => t_instance ??= new ConvolutionJob<T>();

    /// <summary>Sets up a call.</summary>
    public void Set(Mode mode, Memory<T> a, Memory<T> b, Memory<T> destination, Memory<T> bias, IGemmEpilogue<T>? epilogue,
        int batch, int outChannels, int groups, in ConvGeometry g, int perChunk, bool withBias)
    {
        (_mode, _a, _b, _destination, _bias, _epilogue) = (mode, a, b, destination, bias, epilogue);
        (_batch, _outChannels, _groups, _g, _perChunk, _withBias) = (batch, outChannels, groups, g, perChunk, withBias);
        _weightT = default;
        if (mode == Mode.Forward && DirectConvolution.AppliesWide<T>(g, groups, outChannels))
        {
            // Transposed once per call, on the calling thread, for every chunk to read.
            _weightT = ConvolutionScratch<T>.TransposedWeights(outChannels * g.ColumnRows);
            Layout.Permute<T>(b.Span, [outChannels, g.ColumnRows], [1, 0], _weightT.Span);
        }
        else if (mode == Mode.InputGrad && DirectConvolution.AppliesWideInputGrad<T>(g, groups))
        {
            _weightT = ConvolutionScratch<T>.TransposedWeights(outChannels * g.ColumnRows);
            // outC × C × (kH·kW) → outC × (kH·kW) × C: the input channels of one (o, i, j) side by side.
            Layout.Permute<T>(b.Span, [outChannels, g.Channels, g.KernelHeight * g.KernelWidth], [0, 2, 1], _weightT.Span);
        }
    }

    /// <summary>Drops the references to the call's buffers, so a finished call keeps nothing alive.</summary>
    public void Clear() => (_a, _b, _destination, _bias, _epilogue, _weightT) = (default, default, default, default, null, default);

    /// <summary>Runs chunk <paramref name="index"/> (images [index·perChunk, …)).</summary>
    public void Execute(int index)
    {
        int first = index * _perChunk;
        int images = Math.Min(_perChunk, _batch - first);
        switch (_mode)
        {
            case Mode.Forward:
                Forward(first, images);
                break;
            case Mode.InputGrad:
                InputGrad(first, images);
                break;
            default:
                FilterGrad(index, first, images);
                break;
        }
    }

    // Y (perGroup × images·L) = W_j · columns, then each image's block moves to its place in NCHW y with the bias added.
    private void Forward(int first, int images)
    {
        ConvGeometry g = _g;
        if (!_weightT.IsEmpty || DirectConvolution.Applies<T>(g, _groups))
        {
            DirectForward(first, images, wideLayer: !_weightT.IsEmpty);
            return;
        }

        int k = g.ColumnRows, l = g.ColumnCount, wide = images * l, perGroup = _outChannels / _groups;
        Span<T> columns = ConvolutionScratch<T>.Columns(k * wide);
        ReadOnlySpan<T> x = _a.Span, weight = _b.Span;
        Memory<T> staging = images == 1 ? _destination : ConvolutionScratch<T>.StagingMemory(perGroup * wide);
        ImageScatter<T> scatter = ConvolutionScratch<T>.Scatter;
        for (int j = 0; j < _groups; j++)
        {
            for (int i = 0; i < images; i++)
            {
                Im2Col.Unfold(x.Slice((((first + i) * _groups) + j) * g.ImageSize, g.ImageSize), g, columns[(i * l)..], wide);
            }

            Memory<T> product = images == 1 ? _destination.Slice(((first * _outChannels) + (j * perGroup)) * l, perGroup * l) : staging;
            scatter.Set(_destination, _bias, _epilogue, first, _outChannels, j * perGroup, l, inPlace: images == 1);
            Gemm.Multiply<T>(weight.Slice(j * perGroup * k, perGroup * k), k, false, columns, wide, false,
                product.Span, wide, perGroup, wide, k, accumulate: false, scatter);
        }

        scatter.Clear();
    }

    // DirectConvolution's first-layer forward, or its wide one (output channels in vectors): T is float there.
    private void DirectForward(int first, int images, bool wideLayer)
    {
        int l = _g.ColumnCount;
        Span<float> y = MemoryMarshal.Cast<T, float>(_destination.Span);
        ReadOnlySpan<float> x = MemoryMarshal.Cast<T, float>(_a.Span), bias = MemoryMarshal.Cast<T, float>(_bias.Span);
        Span<float> tile = wideLayer ? MemoryMarshal.Cast<T, float>(ConvolutionScratch<T>.Staging(DirectConvolution.TileLength(_g))) : default;
        var epilogue = (IGemmEpilogue<float>?)(object?)_epilogue;
        for (int n = first; n < first + images; n++)
        {
            ReadOnlySpan<float> image = x.Slice(n * _g.ImageSize, _g.ImageSize);
            if (wideLayer)
            {
                DirectConvolution.ForwardWide(image, MemoryMarshal.Cast<T, float>(_weightT.Span), bias, y, n * _outChannels, _outChannels, _g, tile, epilogue);
            }
            else
            {
                DirectConvolution.Forward(image, MemoryMarshal.Cast<T, float>(_b.Span), bias, y, n * _outChannels, _outChannels, _g, epilogue);
            }
        }
    }

    // dcolumns (K × images·L) = W_jᵀ · dY, with dY the chunk's output gradients side by side; col2im per image.
    private void InputGrad(int first, int images)
    {
        ConvGeometry g = _g;
        if (!_weightT.IsEmpty)
        {
            // DirectConvolution's wide input gradient, per image (T is float there).
            Span<float> padded = MemoryMarshal.Cast<T, float>(ConvolutionScratch<T>.Columns(DirectConvolution.PaddedLength(g, _outChannels)));
            padded.Clear();
            Span<float> tile = MemoryMarshal.Cast<T, float>(ConvolutionScratch<T>.Staging(DirectConvolution.InputTileLength(g)));
            ReadOnlySpan<float> dyAll = MemoryMarshal.Cast<T, float>(_a.Span), weightT = MemoryMarshal.Cast<T, float>(_weightT.Span);
            Span<float> dxAll = MemoryMarshal.Cast<T, float>(_destination.Span);
            for (int n = first; n < first + images; n++)
            {
                DirectConvolution.InputGradWide(dyAll.Slice(n * _outChannels * g.ColumnCount, _outChannels * g.ColumnCount), weightT,
                    dxAll.Slice(n * g.ImageSize, g.ImageSize), _outChannels, g, padded, tile);
            }

            return;
        }

        int k = g.ColumnRows, l = g.ColumnCount, wide = images * l, perGroup = _outChannels / _groups;
        Span<T> columns = ConvolutionScratch<T>.Columns(k * wide);
        Span<T> dx = _destination.Span;
        ReadOnlySpan<T> weight = _b.Span;
        for (int j = 0; j < _groups; j++)
        {
            ReadOnlySpan<T> gathered = Gather(_a.Span, first, images, j * perGroup, perGroup, l);
            Gemm.Multiply<T>(weight.Slice(j * perGroup * k, perGroup * k), k, true, gathered, wide, false,
                columns, wide, k, wide, perGroup, accumulate: false);
            for (int i = 0; i < images; i++)
            {
                Im2Col.Fold<T>(columns[(i * l)..], g, dx.Slice((((first + i) * _groups) + j) * g.ImageSize, g.ImageSize), wide);
            }
        }
    }

    // The chunk's partial, then (when asked) its bias sums after it, read from dy while the chunk's share is in cache.
    private void FilterGrad(int chunk, int first, int images)
    {
        int size = _outChannels * _g.ColumnRows;
        int part = size + (_withBias ? _outChannels : 0);
        FilterGradProducts(_destination.Span.Slice(chunk * part, size), first, images);
        if (_withBias)
        {
            Span<T> sums = _destination.Span.Slice((chunk * part) + size, _outChannels);
            sums.Clear();
            Convolution.BiasSums<T>(_b.Span, first, images, _outChannels, _g.ColumnCount, sums, 1);
        }
    }

    // partial (perGroup × K) = dY (perGroup × images·L) · columnsᵀ per group, the sum over the chunk's images inside the GEMM.
    private void FilterGradProducts(Span<T> target, int first, int images)
    {
        ConvGeometry g = _g;
        int k = g.ColumnRows, l = g.ColumnCount, wide = images * l, perGroup = _outChannels / _groups;
        ReadOnlySpan<T> x = _a.Span;
        if (DirectConvolution.AppliesWideFilterGrad<T>(g, _groups, _outChannels))
        {
            // Per image, summed into the chunk's transposed partial in image order, then transposed once.
            Span<float> partialT = MemoryMarshal.Cast<T, float>(ConvolutionScratch<T>.Transposed(k * _outChannels));
            partialT.Clear();
            Span<float> dyT = MemoryMarshal.Cast<T, float>(ConvolutionScratch<T>.Staging(l * 64));
            for (int i = 0; i < images; i++)
            {
                DirectConvolution.AccumulateFilterGradWide(MemoryMarshal.Cast<T, float>(x.Slice((first + i) * g.ImageSize, g.ImageSize)),
                    MemoryMarshal.Cast<T, float>(_b.Span.Slice((first + i) * _outChannels * l, _outChannels * l)), partialT, _outChannels, g, dyT);
            }

            Layout.Permute<float>(partialT, [k, _outChannels], [1, 0], MemoryMarshal.Cast<T, float>(target));
            return;
        }

        if (DirectConvolution.Applies<T>(g, _groups))
        {
            // Per image, summed into the chunk's partial in image order.
            Span<float> partial = MemoryMarshal.Cast<T, float>(target);
            partial.Clear();
            for (int i = 0; i < images; i++)
            {
                DirectConvolution.AccumulateFilterGrad(MemoryMarshal.Cast<T, float>(x.Slice((first + i) * g.ImageSize, g.ImageSize)),
                    MemoryMarshal.Cast<T, float>(_b.Span.Slice((first + i) * _outChannels * l, _outChannels * l)), partial, _outChannels, g);
            }

            return;
        }

        // Only the im2col path needs the columns (grown on first use, so direct layers never allocate them).
        Span<T> columns = ConvolutionScratch<T>.Columns(k * wide);
        for (int j = 0; j < _groups; j++)
        {
            for (int i = 0; i < images; i++)
            {
                Im2Col.Unfold(x.Slice((((first + i) * _groups) + j) * g.ImageSize, g.ImageSize), g, columns[(i * l)..], wide);
            }

            ReadOnlySpan<T> gathered = Gather(_b.Span, first, images, j * perGroup, perGroup, l);
            Span<T> partial = target.Slice(j * perGroup * k, perGroup * k);
            if (perGroup < TransposedFilterGradMinChannels)
            {
                Gemm.Multiply<T>(gathered, wide, false, columns, wide, true, partial, k, perGroup, k, wide, accumulate: false);
                continue;
            }

            // The transposed product, K × outC = columns · dYᵀ, then a transpose of the small result: the GEMM's m then
            // runs over K (288 or 9 here) and its n over the output channels (64, 32), which fill the micro-kernel's
            // 32-wide panels; dY · columnsᵀ (m = outC, n = K) left most of each panel empty for K = 9 and measured 1.2–1.8×
            // slower for both layers of the MNIST cnn (docs/performance.md, Convolution). Same sums in the same order on
            // any thread count.
            Span<T> transposed = ConvolutionScratch<T>.Transposed(k * perGroup);
            Gemm.Multiply<T>(columns, wide, false, gathered, wide, true, transposed, perGroup, k, perGroup, wide, accumulate: false);
            Layout.Permute<T>(transposed, [k, perGroup], [1, 0], partial);
        }
    }

    // Output channels per group from which the filter gradient runs as the transposed product (see FilterGrad).
    private const int TransposedFilterGradMinChannels = 16;

    // Output channels [channel0, channel0 + channels) of images [first, first + images) of an NCHW gradient as one
    // channels × images·L matrix: the images' L-long rows side by side (a view of dy itself for a single image).
    private ReadOnlySpan<T> Gather(ReadOnlySpan<T> dy, int first, int images, int channel0, int channels, int l)
    {
        if (images == 1)
        {
            return dy.Slice(((first * _outChannels) + channel0) * l, channels * l);
        }

        int wide = images * l;
        Span<T> gathered = ConvolutionScratch<T>.Staging(channels * wide);
        for (int i = 0; i < images; i++)
        {
            for (int o = 0; o < channels; o++)
            {
                dy.Slice(((((first + i) * _outChannels) + channel0 + o) * l), l).CopyTo(gathered.Slice((o * wide) + (i * l), l));
            }
        }

        return gathered;
    }
}

/// <summary>
/// The GEMM epilogue of the convolution's forward: moves each finished block of the chunk's product (rows = output
/// channels of one group, columns = the chunk's images' positions side by side) to its place in the NCHW output, adding
/// the channel's bias on the way and then running the caller's epilogue (a fused activation) on what it wrote; for a
/// single image the product is already in place and only the bias and the caller's epilogue are applied.
/// </summary>
internal sealed class ImageScatter<T> : IGemmEpilogue<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private Memory<T> _y;
    private Memory<T> _bias;
    private IGemmEpilogue<T>? _then;
    private int _first;
    private int _outChannels;
    private int _channel0;
    private int _positions;
    private bool _inPlace;

    /// <summary>
    /// Sets the destination: images from <paramref name="first"/>, channels from <paramref name="channel0"/>; and
    /// <paramref name="then"/>, run on every element after the bias, over y as an (N·outC) × positions matrix.
    /// </summary>
    public void Set(Memory<T> y, Memory<T> bias, IGemmEpilogue<T>? then, int first, int outChannels, int channel0, int positions, bool inPlace) =>
        (_y, _bias, _then, _first, _outChannels, _channel0, _positions, _inPlace) = (y, bias, then, first, outChannels, channel0, positions, inPlace);

    /// <summary>Drops the buffer references.</summary>
    public void Clear() => (_y, _bias, _then) = (default, default, null);

    /// <inheritdoc/>
    public void Apply(Span<T> c, int ldc, int row0, int rows, int col0, int cols)
    {
        ReadOnlySpan<T> bias = _bias.Span;
        if (_inPlace)
        {
            if (!bias.IsEmpty)
            {
                for (int r = row0; r < row0 + rows; r++)
                {
                    Span<T> line = c.Slice((r * ldc) + col0, cols);
                    AddScalar(line, bias[_channel0 + r], line);
                }
            }

            // C is image _first's rows of channels [_channel0, …) of y, whose row stride ldc is the positions.
            _then?.Apply(_y.Span, ldc, (_first * _outChannels) + _channel0 + row0, rows, col0, cols);
            return;
        }

        Span<T> y = _y.Span;
        int l = _positions;
        for (int r = row0; r < row0 + rows; r++)
        {
            int channel = _channel0 + r;
            ReadOnlySpan<T> line = c.Slice(r * ldc, ldc);
            for (int col = col0, end = col0 + cols; col < end;)
            {
                // The block's columns may span several images: copy image by image.
                int image = col / l, position = col - (image * l);
                int run = Math.Min(end - col, l - position);
                Span<T> target = y.Slice(((((_first + image) * _outChannels) + channel) * l) + position, run);
                if (bias.IsEmpty)
                {
                    line.Slice(col, run).CopyTo(target);
                }
                else
                {
                    AddScalar(line.Slice(col, run), bias[channel], target);
                }

                _then?.Apply(y, l, ((_first + image) * _outChannels) + channel, 1, position, run);
                col += run;
            }
        }
    }

    // destination = x + s. (TensorPrimitives.Add's generic scalar overload allocated on every call in a measurement here,
    // and a compiled step must allocate nothing.)
    private static void AddScalar(ReadOnlySpan<T> x, T s, Span<T> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var add = new Vector<T>(s);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                (new Vector<T>(x[i..]) + add).CopyTo(destination[i..]);
            }
        }

        for (; i < x.Length; i++)
        {
            destination[i] = x[i] + s;
        }
    }
}

/// <summary>Per-thread buffers of the convolution kernels, grown on demand and kept, so steady-state calls allocate nothing.</summary>
internal static class ConvolutionScratch<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [ThreadStatic]
    private static T[]? t_columns;

    [ThreadStatic]
    private static T[]? t_staging;

    [ThreadStatic]
    private static T[]? t_partials;

    [ThreadStatic]
    private static T[]? t_transposed;

    [ThreadStatic]
    private static T[]? t_transposedWeights;

    [ThreadStatic]
    private static ImageScatter<T>? t_scatter;

    /// <summary>This thread's epilogue object.</summary>
    public static ImageScatter<T> Scatter => t_scatter ??= new ImageScatter<T>();

    /// <summary>A column buffer of at least <paramref name="length"/> elements (contents unspecified).</summary>
    public static Span<T> Columns(int length) => ThreadScratch.Grow(ref t_columns, length).AsSpan(0, length);

    /// <summary>A staging buffer (gathered gradients, or a chunk's product before it moves to NCHW).</summary>
    public static Span<T> Staging(int length) => ThreadScratch.Grow(ref t_staging, length).AsSpan(0, length);

    /// <summary>The staging buffer as memory, for the forward whose epilogue reads it.</summary>
    public static Memory<T> StagingMemory(int length) => ThreadScratch.Grow(ref t_staging, length).AsMemory(0, length);

    /// <summary>A buffer for one chunk's filter gradient before its transpose (K × outC/groups).</summary>
    public static Span<T> Transposed(int length) => ThreadScratch.Grow(ref t_transposed, length).AsSpan(0, length);

    /// <summary>The calling thread's buffer for the filter gradient's per-chunk partials.</summary>
    public static Memory<T> Partials(int length) => ThreadScratch.Grow(ref t_partials, length).AsMemory(0, length);

    /// <summary>The calling thread's buffer for a forward's transposed weights (read by every chunk of the call).</summary>
    public static Memory<T> TransposedWeights(int length) => ThreadScratch.Grow(ref t_transposedWeights, length).AsMemory(0, length);
}
