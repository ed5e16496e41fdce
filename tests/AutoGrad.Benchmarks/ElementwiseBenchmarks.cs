using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// Eager elementwise ops on 2²⁰ floats (no grad) against a plain scalar loop writing into a preallocated array
/// (the baseline does no allocation; the op allocates its 4 MB output, as every eager op does).
/// </summary>
public class ElementwiseBenchmarks
{
    private const int Length = 1 << 20;
    private Tensor _a = null!;
    private Tensor _b = null!;
    private float[] _x = [];
    private float[] _y = [];
    private float[] _destination = [];

    /// <summary>The op.</summary>
    [Params("add", "mul", "exp", "tanh", "relu")]
    public string Op { get; set; } = "add";

    /// <summary>Random operands in [-1, 1).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var generator = new Generator(11);
        _a = Tensor.Uniform([Length], -1, 1, generator);
        _b = Tensor.Uniform([Length], -1, 1, generator);
        _x = _a.ToArray<float>();
        _y = _b.ToArray<float>();
        _destination = new float[Length];
    }

    /// <summary>for (i) destination[i] = f(x[i], y[i]).</summary>
    [Benchmark(Baseline = true)]
    public void ScalarLoop()
    {
        float[] x = _x, y = _y, d = _destination;
        switch (Op)
        {
            case "add":
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = x[i] + y[i];
                }

                break;
            case "mul":
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = x[i] * y[i];
                }

                break;
            case "exp":
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = MathF.Exp(x[i]);
                }

                break;
            case "tanh":
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = MathF.Tanh(x[i]);
                }

                break;
            default:
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] = MathF.Max(x[i], 0);
                }

                break;
        }
    }

    /// <summary>The tensor op.</summary>
    [Benchmark]
    public Tensor TensorOp() => Op switch
    {
        "add" => _a + _b,
        "mul" => _a * _b,
        "exp" => _a.Exp(),
        "tanh" => _a.Tanh(),
        _ => _a.Relu(),
    };
}

/// <summary>Reductions of a 1024×1024 float matrix (no grad) against scalar loops.</summary>
public class ReductionBenchmarks
{
    private const int Rows = 1024;
    private const int Cols = 1024;
    private Tensor _a = null!;
    private float[] _x = [];
    private float[] _destination = [];

    /// <summary>The reduction: sum of everything, sum over rows (axis 1), sum over columns (axis 0), max over axis 1.</summary>
    [Params("sum_all", "sum_axis1", "sum_axis0", "max_axis1")]
    public string Reduction { get; set; } = "sum_all";

    /// <summary>Random values in [-1, 1).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _a = Tensor.Uniform([Rows, Cols], -1, 1, new Generator(12));
        _x = _a.ToArray<float>();
        _destination = new float[Math.Max(Rows, Cols)];
    }

    /// <summary>Plain loops, accumulating in float.</summary>
    [Benchmark(Baseline = true)]
    public float ScalarLoop()
    {
        float[] x = _x, d = _destination;
        switch (Reduction)
        {
            case "sum_all":
                float total = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    total += x[i];
                }

                return total;
            case "sum_axis0":
                Array.Clear(d);
                for (int r = 0; r < Rows; r++)
                {
                    for (int c = 0; c < Cols; c++)
                    {
                        d[c] += x[(r * Cols) + c];
                    }
                }

                return d[0];
            default:
                bool max = Reduction == "max_axis1";
                for (int r = 0; r < Rows; r++)
                {
                    float acc = max ? float.NegativeInfinity : 0;
                    for (int c = 0; c < Cols; c++)
                    {
                        acc = max ? MathF.Max(acc, x[(r * Cols) + c]) : acc + x[(r * Cols) + c];
                    }

                    d[r] = acc;
                }

                return d[0];
        }
    }

    /// <summary>The tensor reduction.</summary>
    [Benchmark]
    public Tensor TensorOp() => Reduction switch
    {
        "sum_all" => _a.Sum(),
        "sum_axis1" => _a.Sum(1),
        "sum_axis0" => _a.Sum(0),
        _ => _a.Max(1),
    };
}
