using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Elementwise;

public class BinaryElementwiseForwardTests
{
    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void MaximumMinimum_RowAgainstColumn_BroadcastElementwise(DType dtype)
    {
        var column = Tensor.FromArray(new[] { 1.0, 3.0 }, 2, 1).To(dtype);
        var row = Tensor.FromArray(new[] { 0.0, 2.0, 4.0 }).To(dtype);
        Assert.Equal(new[] { 1.0, 2, 4, 3, 3, 4 }, column.Maximum(row).ToArray<double>());
        Assert.Equal(new[] { 0.0, 1, 1, 0, 2, 3 }, column.Minimum(row).ToArray<double>());
        Assert.Equal(new[] { 1.0, 2, 4 }, row.Maximum(1.0).ToArray<double>());
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Pow_TensorExponent_MatchesMathPow(DType dtype)
    {
        var a = Tensor.FromArray(new[] { 2.0, 9.0, 0.5, -2.0 }).To(dtype);
        var b = Tensor.FromArray(new[] { 3.0, 0.5, -1.0, 2.0 }).To(dtype);
        double[] actual = a.Pow(b).ToArray<double>();
        double[] expected = [8, 3, 2, 4];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-6);
        }
    }

    [Fact]
    public void Pow_NegativeBaseFractionalExponent_IsNaN() =>
        Assert.True(double.IsNaN(Tensor.Scalar(-8.0, DType.Float64).Pow(1.0 / 3).ItemDouble()));

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.UInt8)]
    public void Where_ConditionColumnValuesRowAndScalar_BroadcastsAllThree(DType dtype)
    {
        var condition = Tensor.FromArray(new[] { true, false }, 2, 1);
        var a = Tensor.FromArray(new[] { 10.0, 20.0, 30.0 }).To(dtype);
        var b = Tensor.Scalar(-1.0, dtype);
        Tensor picked = Tensor.Where(condition, a, b);
        Assert.Equal(new[] { 2, 3 }, picked.Shape.ToArray());
        Assert.Equal(dtype, picked.DType);
        double minusOne = dtype == DType.UInt8 ? 255 : -1;
        Assert.Equal(new[] { 10.0, 20, 30, minusOne, minusOne, minusOne }, picked.ToArray<double>());
    }

    [Fact]
    public void Where_FloatMask_RefusedWithTheConversion()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Where(Tensor.Ones([2]), Tensor.Ones([2]), Tensor.Zeros([2])));
        Assert.Equal(
            "where: the condition is f32[2], but it must be a bool tensor (as in PyTorch). Convert a 0/1 mask with mask.To(DType.Bool) " +
            "or mask.NotEqual(0); comparisons (Greater, Equal, ...) already give bool.",
            error.Message);
    }

    [Fact]
    public void Where_IntAndFloatValues_PromoteToFloat()
    {
        Tensor picked = Tensor.Where(Tensor.FromArray(new[] { true, false }), Tensor.FromArray(new long[] { 7, 8 }), Tensor.FromArray(new[] { 0.5f, 1.5f }));
        Assert.Equal(DType.Float32, picked.DType);
        Assert.Equal(new[] { 7f, 1.5f }, picked.ToArray());
    }

    [Fact]
    public void Where_InfinityInBranchNotTaken_DoesNotLeak()
    {
        var condition = Tensor.FromArray(new[] { true, false });
        var a = Tensor.FromArray(new[] { 1.0, double.PositiveInfinity });
        var b = Tensor.FromArray(new[] { double.NaN, 2.0 });
        Assert.Equal(new[] { 1.0, 2.0 }, Tensor.Where(condition, a, b).ToArray<double>());
    }

    [Fact]
    public void Where_GradientOfEachBranch_FlowsOnlyWherePicked()
    {
        var condition = Tensor.FromArray(new[] { true, false, true });
        var a = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }).RequireGrad();
        var b = Tensor.Scalar(5.0, DType.Float64).RequireGrad();
        var grads = AutoGrad.Differentiation.Autodiff.Grad(Tensor.Where(condition, a, b).Sum(), [a, b]);
        Assert.Equal(new[] { 1.0, 0.0, 1.0 }, grads[0].ToArray<double>());
        Assert.Equal(1.0, grads[1].ItemDouble());
    }
}
