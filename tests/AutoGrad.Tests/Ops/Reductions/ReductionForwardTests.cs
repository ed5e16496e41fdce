using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Reductions;

public class ReductionForwardTests
{
    // [[1, 5, 3],
    //  [4, 2, 6]]
    private static Tensor Matrix(DType dtype) => Tensor.FromArray(new[] { 1.0, 5, 3, 4, 2, 6 }, 2, 3).To(dtype);

    public static TheoryData<string, DType> Cases()
    {
        var data = new TheoryData<string, DType>();
        foreach (string op in new[] { "max", "min", "mean", "var", "var1", "logsumexp", "argmax", "argmin" })
        {
            data.Add(op, DType.Float32);
            data.Add(op, DType.Float64);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reduce_EachAxisOfKnownMatrix_MatchesReference(string op, DType dtype)
    {
        double[][] rows = [[1, 5, 3], [4, 2, 6]];
        double[][] columns = [[1, 4], [5, 2], [3, 6]];
        double[] all = [1, 5, 3, 4, 2, 6];
        Func<double[], double> reference = op switch
        {
            "max" => v => v.Max(),
            "min" => v => v.Min(),
            "mean" => v => v.Average(),
            "var" => v => v.Select(e => (e - v.Average()) * (e - v.Average())).Sum() / v.Length,
            "var1" => v => v.Select(e => (e - v.Average()) * (e - v.Average())).Sum() / (v.Length - 1),
            "logsumexp" => v => Math.Log(v.Sum(Math.Exp)),
            "argmax" => v => Array.IndexOf(v, v.Max()),
            _ => v => Array.IndexOf(v, v.Min()),
        };
        Func<Tensor, int, bool, Tensor> reduce = op switch
        {
            "max" => (x, axis, keep) => x.Max(axis, keep),
            "min" => (x, axis, keep) => x.Min(axis, keep),
            "mean" => (x, axis, keep) => x.Mean(axis, keep),
            "var" => (x, axis, keep) => x.Var(axis, keep),
            "var1" => (x, axis, keep) => x.Var(axis, keep, correction: 1),
            "logsumexp" => (x, axis, keep) => x.LogSumExp(axis, keep),
            "argmax" => (x, axis, keep) => x.ArgMax(axis, keep),
            _ => (x, axis, keep) => x.ArgMin(axis, keep),
        };
        double tolerance = dtype == DType.Float32 ? 1e-5 : 1e-13;

        Tensor overColumns = reduce(Matrix(dtype), 0, false);
        Tensor overRows = reduce(Matrix(dtype), 1, true);
        Assert.Equal(new[] { 3 }, overColumns.Shape.ToArray());
        Assert.Equal(new[] { 2, 1 }, overRows.Shape.ToArray());
        Assert.Equal(op.StartsWith("arg", StringComparison.Ordinal) ? DType.Int64 : dtype, overColumns.DType);
        AssertClose(columns.Select(reference).ToArray(), overColumns.ToArray<double>(), tolerance);
        AssertClose(rows.Select(reference).ToArray(), overRows.ToArray<double>(), tolerance);
        if (!op.StartsWith("arg", StringComparison.Ordinal))
        {
            Tensor everything = op switch
            {
                "max" => Matrix(dtype).Max(),
                "min" => Matrix(dtype).Min(),
                "mean" => Matrix(dtype).Mean(),
                "var" => Matrix(dtype).Var(),
                "var1" => Matrix(dtype).Var(correction: 1),
                _ => Matrix(dtype).LogSumExp(),
            };
            Assert.Equal(0, everything.Rank);
            Assert.Equal(reference(all), everything.ItemDouble(), tolerance * 10);
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void MaxMin_OverTwoAxesOf3D_KeepDimsShapeAndValues(DType dtype)
    {
        Tensor x = Tensor.Arange(24, dtype).Reshape(2, 3, 4);
        Tensor max = x.Max([0, 2], keepDims: true);
        Assert.Equal(new[] { 1, 3, 1 }, max.Shape.ToArray());
        Assert.Equal(new[] { 15.0, 19, 23 }, max.ToArray<double>());
        Assert.Equal(new[] { 0.0, 4, 8 }, x.Min([-1, 0]).ToArray<double>());
    }

    [Theory]
    [InlineData(3)]   // intermediates kept in the per-thread buffers
    [InlineData(520)] // the first intermediate (2·1024·520 elements) is above what is kept: a new array
    public void Sum_OverNonAdjacentAxes_MatchesALoopForSmallAndLargeIntermediates(int last)
    {
        Tensor x = Tensor.RandN([2, 1024, 2, last], new Generator(3), DType.Float64);
        double[] values = x.ToArray<double>();
        double[] actual = x.Sum([0, 2]).ToArray<double>();
        for (int c = 0; c < 1024; c += 97)
        {
            for (int w = 0; w < last; w += 7)
            {
                double expected = 0;
                for (int b = 0; b < 2; b++)
                {
                    for (int h = 0; h < 2; h++)
                    {
                        expected += values[(((((b * 1024) + c) * 2) + h) * last) + w];
                    }
                }

                Assert.Equal(expected, actual[(c * last) + w], 12);
            }
        }
    }

    [Fact]
    public void ArgMaxArgMin_Ties_PickTheFirstIndex()
    {
        var x = Tensor.FromArray(new[] { 3.0, 1, 3, 1 });
        Assert.Equal(0.0, x.ArgMax(0).ItemDouble());
        Assert.Equal(1.0, x.ArgMin(0).ItemDouble());
    }

    [Fact]
    public void ArgMax_InnerAxisOf3D_GivesExactIndicesWithoutGradient()
    {
        var x = Tensor.FromArray(new[] { 0.0, 9, 1, 2, 5, 3, 7, 4 }, 2, 2, 2).RequireGrad();
        Tensor indices = x.ArgMax(1);
        Assert.Equal(new[] { 2, 2 }, indices.Shape.ToArray());
        Assert.Equal(new long[] { 1, 0, 1, 1 }, indices.ToArray<long>());
        Assert.Equal(DType.Int64, indices.DType);
        Assert.False(indices.RequiresGrad);
    }

    [Fact]
    public void Max_TiedMaxima_SplitGradientEvenly()
    {
        var x = Tensor.FromArray(new[] { 3.0, 1, 3, 2, 2, 2 }, 2, 3).RequireGrad();
        Tensor grad = AutoGrad.Differentiation.Autodiff.Grad(x.Max(1).Sum(), x);
        double third = 1.0 / 3;
        Assert.Equal(new[] { 0.5, 0, 0.5, third, third, third }, grad.ToArray<double>());
    }

    [Fact]
    public void Min_TiedMinimaAcrossAllAxes_SplitGradientEvenly()
    {
        var x = Tensor.FromArray(new[] { 0.0, 1, 0, 5 }, 2, 2).RequireGrad();
        Tensor grad = AutoGrad.Differentiation.Autodiff.Grad(x.Min().Mul(4.0), x);
        Assert.Equal(new[] { 2.0, 0, 2, 0 }, grad.ToArray<double>());
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Softmax_InputsAround1000_FiniteAndSumToOne(DType dtype)
    {
        Tensor y = Tensor.FromArray(new[] { 1000.0, 1001, 1002, -1000, 0, 1000 }, 2, 3).To(dtype).Softmax();
        double[] v = y.ToArray<double>();
        double e1 = Math.Exp(-1), e2 = Math.Exp(-2), total = 1 + e1 + e2;
        double tolerance = dtype == DType.Float32 ? 1e-6 : 1e-15;
        AssertClose([e2 / total, e1 / total, 1 / total, 0, 0, 1], v, tolerance);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void LogSoftmax_LargeGap_KeepsTheLogOfTinyProbability(DType dtype)
    {
        double[] v = Tensor.FromArray(new[] { 1000.0, 0.0 }).To(dtype).LogSoftmax().ToArray<double>();
        Assert.Equal(0.0, v[0], 1e-12);
        Assert.Equal(-1000.0, v[1], dtype == DType.Float32 ? 1e-4 : 1e-12);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Softmax_EachAxis_MatchesReferenceAndLogSoftmaxIsItsLog(int axis)
    {
        Tensor x = Tensor.FromArray(new[] { 0.5, -1.0, 2.0, 0.0, 3.0, -2.0 }, 2, 3);
        double[] softmax = x.Softmax(axis).ToArray<double>();
        double[] logSoftmax = x.LogSoftmax(axis).ToArray<double>();
        double[] exps = x.Exp().ToArray<double>();
        double[] sums = x.Exp().Sum(axis, keepDims: true).BroadcastTo([2, 3]).ToArray<double>();
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(exps[i] / sums[i], softmax[i], 1e-15);
            Assert.Equal(Math.Log(exps[i] / sums[i]), logSoftmax[i], 1e-14);
        }
    }

    [Fact]
    public void LogSumExp_HugeAndInfiniteRows_StayExact()
    {
        Tensor x = Tensor.FromArray(new[]
        {
            1000.0, 1000.0,
            double.NegativeInfinity, double.NegativeInfinity,
            double.PositiveInfinity, 1.0,
        }, 3, 2);
        double[] v = x.LogSumExp(1).ToArray<double>();
        Assert.Equal(1000 + Math.Log(2), v[0], 1e-12);
        Assert.Equal(double.NegativeInfinity, v[1]);
        Assert.Equal(double.PositiveInfinity, v[2]);
    }

    [Fact]
    public void Var_CorrectionLeavingNoDegreesOfFreedom_ThrowsNamingShapeAndCorrection()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Ones([2, 1]).Var(1, correction: 1));
        Assert.Equal("var: correction 1 leaves no degrees of freedom: axes (1) of shape (2, 1) reduce 1 element(s) each, and the denominator N − correction must be positive.", error.Message);
    }

    [Fact]
    public void Max_EmptyAxis_ThrowsBecauseThereIsNoIdentity()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Zeros([2, 0]).Max(1));
        Assert.Contains("reduce_max", error.Message);
        Assert.Contains("size 0", error.Message);
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
