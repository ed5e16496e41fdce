using AutoGrad.Differentiation;
using AutoGrad.Graphs;
using AutoGrad.NN.Losses;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary><see cref="CrossEntropy"/>'s class <c>weight</c> and <c>ignoreIndex</c> (PyTorch's semantics) against a plain loop, finite differences and a trace.</summary>
public class CrossEntropyOptionTests
{
    private const int N = 5, C = 4;
    private static readonly double[] Weights = [0.5, 2.0, 1.0, 3.0];
    private static readonly double[] Labels = [1, -100, 3, 0, 1];

    /// <summary>Class labels as the Int64 tensor the loss takes.</summary>
    private static Tensor LabelTensor(double[] labels, int n) => Tensor.FromArray(labels.Select(v => (long)v).ToArray(), n);

    private static double[] Logits() => [.. Enumerable.Range(0, N * C).Select(i => Math.Sin(i * 1.3) * 2)];

    /// <summary>PyTorch's definition, written out: per-sample −Σ_c w_c·t_c·(x_c − logsumexp x); mean divides by Σ w_{y_n} over kept samples.</summary>
    private static double[] Reference(double[] logits, double[] labels, double[]? weights, int? ignoreIndex, double smoothing, Reduction reduction)
    {
        var losses = new double[N];
        double denominator = 0;
        for (int n = 0; n < N; n++)
        {
            if (labels[n] == ignoreIndex)
            {
                continue;
            }

            int y = (int)labels[n];
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < C; c++)
            {
                max = Math.Max(max, logits[(n * C) + c]);
            }

            for (int c = 0; c < C; c++)
            {
                sum += Math.Exp(logits[(n * C) + c] - max);
            }

            double lse = max + Math.Log(sum);
            for (int c = 0; c < C; c++)
            {
                double t = ((c == y ? 1 : 0) * (1 - smoothing)) + (smoothing / C);
                losses[n] -= (weights?[c] ?? 1) * t * (logits[(n * C) + c] - lse);
            }

            denominator += weights?[y] ?? 1;
        }

        return reduction switch
        {
            Reduction.Mean => [losses.Sum() / denominator],
            Reduction.Sum => [losses.Sum()],
            _ => losses,
        };
    }

    [Theory]
    [InlineData(Reduction.Mean, 0.0, true, true)]
    [InlineData(Reduction.Mean, 0.0, true, false)]
    [InlineData(Reduction.Mean, 0.0, false, true)]
    [InlineData(Reduction.Mean, 0.2, true, true)]
    [InlineData(Reduction.Sum, 0.0, true, true)]
    [InlineData(Reduction.None, 0.0, true, true)]
    [InlineData(Reduction.None, 0.2, true, true)]
    public void CrossEntropy_WeightAndIgnoreIndex_MatchesLoopReference(Reduction reduction, double smoothing, bool weighted, bool ignore)
    {
        double[] logits = Logits();
        double[] labels = ignore ? Labels : [1, 2, 3, 0, 1];
        var loss = new CrossEntropy(smoothing, reduction, weight: weighted ? Tensor.FromArray(Weights, C) : null, ignoreIndex: ignore ? -100 : null);
        double[] actual = loss.Compute(Tensor.FromArray(logits, N, C), LabelTensor(labels, N)).ToArray<double>();
        double[] expected = Reference(logits, labels, weighted ? Weights : null, ignore ? -100 : null, smoothing, reduction);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 12);
        }
    }

    [Fact]
    public void CrossEntropy_WeightedMean_IsTheHandComputedValue()
    {
        // Two samples, zero logits over 2 classes: each −log p = ln 2. Labels 0 and 1, weights 1 and 3:
        // PyTorch's mean is (1·ln 2 + 3·ln 2) / (1 + 3) = ln 2, while a plain mean of the weighted losses would be 2·ln 2.
        var loss = new CrossEntropy(weight: Tensor.FromArray(new double[] { 1, 3 }, 2));
        double value = loss.Compute(Tensor.Zeros([2, 2], DType.Float64), Tensor.FromArray(new long[] { 0, 1 }, 2)).ToArray<double>()[0];
        Assert.Equal(Math.Log(2), value, 14);
    }

    [Fact]
    public void CrossEntropy_IgnoreIndexAValidClass_ExcludesThoseSamples()
    {
        double[] logits = Logits();
        double[] labels = [1, 2, 1, 0, 3];
        var loss = new CrossEntropy(ignoreIndex: 1);
        double actual = loss.Compute(Tensor.FromArray(logits, N, C), LabelTensor(labels, N)).ToArray<double>()[0];
        Assert.Equal(Reference(logits, labels, null, 1, 0, Reduction.Mean)[0], actual, 12);
    }

    [Fact]
    public void CrossEntropy_EverySampleIgnored_MeanIsNaN()
    {
        var loss = new CrossEntropy(ignoreIndex: -100);
        double value = loss.Compute(Tensor.Zeros([2, 3], DType.Float64), Tensor.FromArray(new long[] { -100, -100 }, 2)).ToArray<double>()[0];
        Assert.True(double.IsNaN(value));
    }

    [Fact]
    public void CrossEntropy_IgnoredSample_GetsExactlyZeroGradient()
    {
        var logits = Tensor.FromArray(Logits(), N, C).RequireGrad();
        new CrossEntropy(weight: Tensor.FromArray(Weights, C), ignoreIndex: -100).Compute(logits, LabelTensor(Labels, N)).Backward();
        double[] grad = logits.Grad!.ToArray<double>();
        Assert.All(grad[C..(2 * C)], g => Assert.Equal(0.0, g));
        Assert.Contains(grad[..C], g => g != 0);
    }

    [Theory]
    [InlineData(0.0, true)]
    [InlineData(0.1, true)]
    [InlineData(0.0, false)]
    public void CrossEntropy_Options_GradCheckToSecondOrder(double smoothing, bool fromLogits)
    {
        var loss = new CrossEntropy(smoothing, fromLogits: fromLogits, weight: Tensor.FromArray(Weights, C), ignoreIndex: -100);
        var labels = LabelTensor(Labels, N);
        Tensor prediction = fromLogits
            ? Tensor.FromArray(Logits(), N, C)
            : Tensor.FromArray(Logits(), N, C).Softmax(-1);
        var first = GradCheck.Check(v => loss.Compute(v[0], labels), [prediction]);
        Assert.True(first.Passed, first.Message);
        var second = GradCheck.CheckSecondOrder(v => loss.Compute(v[0], labels), [prediction]);
        Assert.True(second.Passed, second.Message);
    }

    [Fact]
    public void CrossEntropy_ProbabilityTargetsWithWeight_MeanDividesByN()
    {
        // PyTorch: with probability targets the per-class weights scale the terms and the mean divides by N.
        var target = Tensor.FromArray(new double[] { 0.25, 0.75, 1, 0 }, 2, 2);
        var loss = new CrossEntropy(weight: Tensor.FromArray(new double[] { 2, 4 }, 2), ignoreIndex: -100);
        double value = loss.Compute(Tensor.Zeros([2, 2], DType.Float64), target).ToArray<double>()[0];
        Assert.Equal(((2 * 0.25) + (4 * 0.75) + 2) * Math.Log(2) / 2, value, 14);
    }

    [Fact]
    public void CrossEntropy_Options_TraceAtSymbolicBatchAndRunLikeEager()
    {
        var loss = new CrossEntropy(weight: Tensor.FromArray(new float[] { 0.5f, 2, 1, 3 }, C), ignoreIndex: -100);
        Graph graph = Graph.Trace((p, t) => loss.Compute(p, t), TensorSpec.Batched(C), TensorSpec.Batched(DType.Int64));
        Assert.Contains("one_hot", graph.ToString());
        var logits = Tensor.FromArray(Logits().Select(v => (float)v).ToArray(), N, C);
        var labels = LabelTensor(Labels, N);
        float eager = loss.Compute(logits, labels).ToArray()[0], traced = graph.Run(logits, labels)[0].ToArray()[0];
        Assert.Equal(eager, traced, 1e-6f);
        Assert.Equal(Reference(Logits(), Labels, Weights, -100, 0, Reduction.Mean)[0], traced, 1e-5);
    }

    [Fact]
    public void CrossEntropy_BadOptions_ThrowNamingTheShapes()
    {
        Assert.Contains("must be a [C] vector", Assert.Throws<ArgumentException>(() => new CrossEntropy(weight: Tensor.Ones([2, 2]))).Message);
        var error = Assert.Throws<ArgumentException>(() =>
            new CrossEntropy(weight: Tensor.Ones([3])).Compute(Tensor.Zeros([2, 4]), Tensor.FromArray(new long[] { 0, 1 }, 2)));
        Assert.Contains("the class weights have shape (3,) but the prediction (2, 4) has 4 classes", error.Message);
        var label = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new CrossEntropy(ignoreIndex: -100).Compute(Tensor.Zeros([2, 4]), Tensor.FromArray(new long[] { -1, 1 }, 2)));
        Assert.Contains("label -1 of sample 0 is not a class in [0, 4)", label.Message);
    }
}
