using AutoGrad.Tensors;

namespace AutoGrad.Tests.Tensors;

public class TensorFormattingTests
{
    [Theory]
    [InlineData(new double[] { 1, 2, 3 }, new[] { 3 }, "[1. 2. 3.]")]
    [InlineData(new double[] { 1.5, 2, 3.25 }, new[] { 3 }, "[1.5  2.   3.25]")]
    [InlineData(new double[] { 1, -2, 3, 40 }, new[] { 2, 2 }, "[[ 1. -2.]\n [ 3. 40.]]")]
    [InlineData(new double[] { 1e-5, 1 }, new[] { 2 }, "[1e-05 1e+00]")]
    [InlineData(new double[] { double.NaN, double.PositiveInfinity, 1 }, new[] { 3 }, "[nan inf  1.]")]
    public void ToString_PrintsLikeNumPy(double[] data, int[] shape, string expected)
    {
        Assert.Equal(expected, Tensor.FromArray(data, shape).ToString());
    }

    [Fact]
    public void ToString_Scalar_HasNoBrackets()
    {
        Assert.Equal("7.", Tensor.Scalar(7).ToString());
        Assert.Equal("-0.5", Tensor.Scalar(-0.5, DType.Float64).ToString());
    }

    [Fact]
    public void ToString_ThreeDimensions_SeparatesBlocksWithBlankLine()
    {
        var t = Tensor.Arange(8, DType.Float64).Reshape(2, 2, 2);
        Assert.Equal("[[[0. 1.]\n  [2. 3.]]\n\n [[4. 5.]\n  [6. 7.]]]", t.ToString());
    }

    [Fact]
    public void ToString_LargeTensor_IsSummarizedWithEllipsis()
    {
        var t = Tensor.Arange(2000).Reshape(2, 1000);
        Assert.Equal("[[   0.    1.    2. ...  997.  998.  999.]\n [1000. 1001. 1002. ... 1997. 1998. 1999.]]", t.ToString());
    }
}
