using AutoGrad.Kernels;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>One matrix product shape: C[M×N] = op(A)·op(B) with op(A) M×K.</summary>
/// <remarks>Cases sort by <see cref="Order"/>, so results tables list them as declared rather than by name.</remarks>
public sealed class GemmCase(int order, string name, int m, int n, int k, bool transA, bool transB)
    : IFlopCount, IComparable<GemmCase>, IComparable
{
    /// <summary>Position in the declared list.</summary>
    public int Order { get; } = order;

    /// <summary>Rows of C.</summary>
    public int M { get; } = m;

    /// <summary>Columns of C.</summary>
    public int N { get; } = n;

    /// <summary>Inner dimension.</summary>
    public int K { get; } = k;

    /// <summary>A is stored K×M and used transposed.</summary>
    public bool TransA { get; } = transA;

    /// <summary>B is stored N×K and used transposed.</summary>
    public bool TransB { get; } = transB;

    /// <inheritdoc/>
    public double Flops => 2.0 * M * N * K;

    /// <summary>The name shown in the results table.</summary>
    public override string ToString() => name;

    /// <summary><paramref name="count"/> values uniform in [-1, 1): the benchmarks' operands.</summary>
    public static float[] Uniform(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (random.NextSingle() * 2) - 1).ToArray();

    /// <inheritdoc/>
    public int CompareTo(GemmCase? other) => other is null ? 1 : Order.CompareTo(other.Order);

    /// <inheritdoc/>
    public int CompareTo(object? obj) => CompareTo(obj as GemmCase);
}

/// <summary>
/// The packed GEMM kernel against a naive triple loop, on square sizes, on the shapes of a 784-128-10 MLP with
/// batch 64 (both layers' forward and gradient products) and on an LSTM step, each with 1 and 2 threads
/// (<see cref="Settings.NumThreads"/>).
/// </summary>
public class GemmBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    /// <summary>Square sizes 64…2048, then the MLP products.</summary>
    public static IEnumerable<GemmCase> Cases()
    {
        int order = 0;
        foreach (int size in new[] { 64, 256, 512, 1024, 2048 })
        {
            yield return new GemmCase(order++, $"{size}³", size, size, size, false, false);
        }

        // x: 64×784 batch, W1: 784×128, dH: 64×128 gradient at the hidden layer, W2: 128×10.
        yield return new GemmCase(order++, "MLP x·W1 64×784·784×128", 64, 128, 784, false, false);
        yield return new GemmCase(order++, "MLP xᵀ·dH (784×64)ᵀ·64×128", 784, 128, 64, true, false);
        yield return new GemmCase(order++, "MLP dH·W1ᵀ 64×128·(784×128)ᵀ", 64, 784, 128, false, true);
        yield return new GemmCase(order++, "MLP h·W2 64×128·128×10", 64, 10, 128, false, false);

        // The output layer's gradient products (dZ: 64×10): hᵀ·dZ for W2 and dZ·W2ᵀ for the hidden layer.
        yield return new GemmCase(order++, "MLP hᵀ·dZ (64×128)ᵀ·64×10", 128, 10, 64, true, false);
        yield return new GemmCase(order++, "MLP dZ·W2ᵀ 64×10·(128×10)ᵀ", 64, 128, 10, false, true);

        // One LSTM step at batch 128, hidden 128: h·W_hh for the four gates.
        yield return new GemmCase(order++, "LSTM h·Whh 128×128·128×512", 128, 512, 128, false, false);
    }

    /// <summary>The product shape.</summary>
    [ParamsSource(nameof(Cases))]
    public GemmCase Case { get; set; } = null!;

    /// <summary>The thread limit set in <see cref="Settings.NumThreads"/>.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    private int Lda => Case.TransA ? Case.M : Case.K;

    private int Ldb => Case.TransB ? Case.K : Case.N;

    /// <summary>Random operands in [-1, 1) and the thread setting.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _a = GemmCase.Uniform(random, Case.M * Case.K);
        _b = GemmCase.Uniform(random, Case.K * Case.N);
        _c = new float[Case.M * Case.N];
        Settings.NumThreads = Threads;
    }

    /// <summary>Triple loop (i, p, j order so the inner loop walks rows), single-threaded whatever the setting.</summary>
    [Benchmark(Baseline = true)]
    public void Naive()
    {
        int m = Case.M, n = Case.N, k = Case.K, lda = Lda, ldb = Ldb;
        bool transA = Case.TransA, transB = Case.TransB;
        float[] a = _a, b = _b, c = _c;
        Array.Clear(c);
        for (int i = 0; i < m; i++)
        {
            for (int p = 0; p < k; p++)
            {
                float aip = transA ? a[(p * lda) + i] : a[(i * lda) + p];
                for (int j = 0; j < n; j++)
                {
                    c[(i * n) + j] += aip * (transB ? b[(j * ldb) + p] : b[(p * ldb) + j]);
                }
            }
        }
    }

    /// <summary>The packed, blocked, vectorized kernel through its public entry point.</summary>
    [Benchmark]
    public void Kernel() =>
        Gemm.Multiply<float>(_a, Lda, Case.TransA, _b, Ldb, Case.TransB, _c, Case.N, Case.M, Case.N, Case.K, accumulate: false);
}

/// <summary>
/// A bias add and ReLU on the product's output: applied by the kernel to each block of C as it is finished
/// (<see cref="IGemmEpilogue{T}"/>) against a separate sweep over C after the product, on one thread.
/// </summary>
public class GemmEpilogueBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];
    private BiasRelu _epilogue = null!;

    /// <summary>The MLP's forward product and a square one.</summary>
    public static IEnumerable<GemmCase> Cases()
    {
        yield return new GemmCase(0, "MLP x·W1 64×784·784×128", 64, 128, 784, false, false);
        yield return new GemmCase(1, "512³", 512, 512, 512, false, false);
    }

    /// <summary>The product shape.</summary>
    [ParamsSource(nameof(Cases))]
    public GemmCase Case { get; set; } = null!;

    /// <summary>Random operands and bias in [-1, 1), one thread.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _a = GemmCase.Uniform(random, Case.M * Case.K);
        _b = GemmCase.Uniform(random, Case.K * Case.N);
        _c = new float[Case.M * Case.N];
        _epilogue = new BiasRelu(GemmCase.Uniform(random, Case.N));
        Settings.NumThreads = 1;
    }

    /// <summary>The product, then one sweep of bias and ReLU over all of C.</summary>
    [Benchmark(Baseline = true)]
    public void ProductThenSweep()
    {
        Gemm.Multiply<float>(_a, Case.K, false, _b, Case.N, false, _c, Case.N, Case.M, Case.N, Case.K, accumulate: false);
        _epilogue.Apply(_c, Case.N, 0, Case.M, 0, Case.N);
    }

    /// <summary>The same work with the bias and ReLU applied by the kernel to each finished block.</summary>
    [Benchmark]
    public void FusedEpilogue() =>
        Gemm.Multiply<float>(_a, Case.K, false, _b, Case.N, false, _c, Case.N, Case.M, Case.N, Case.K, accumulate: false, _epilogue);

    /// <summary>C[i, j] = max(C[i, j] + bias[j], 0), vectorized per row.</summary>
    private sealed class BiasRelu(float[] bias) : IGemmEpilogue<float>
    {
        public void Apply(Span<float> c, int ldc, int row0, int rows, int col0, int cols)
        {
            ReadOnlySpan<float> b = bias.AsSpan(col0, cols);
            for (int i = row0; i < row0 + rows; i++)
            {
                Span<float> row = c.Slice((i * ldc) + col0, cols);
                System.Numerics.Tensors.TensorPrimitives.Add(row, b, row);
                System.Numerics.Tensors.TensorPrimitives.Max(row, 0f, row);
            }
        }
    }
}
