using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Elementwise;

public class FlushSubnormalTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(260)]
    public void FlushSubnormal_Float32_ZeroesExactlyTheSubnormals(int length)
    {
        float smallestNormal = BitConverter.Int32BitsToSingle(0x0080_0000);
        float[] values = Enumerable.Range(0, length).Select(i => (i % 5) switch
        {
            0 => smallestNormal,
            1 => -smallestNormal / 2,
            2 => float.Epsilon,
            3 => -1.5f,
            _ => 0f,
        }).ToArray();
        float[] flushed = Tensor.FromArray(values).FlushSubnormal().ToArray();
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(float.IsSubnormal(values[i]) ? 0f : values[i], flushed[i]);
        }
    }

    [Fact]
    public void FlushSubnormal_Float64_ZeroesSubnormalsAndKeepsTheRest()
    {
        double[] values = [double.Epsilon, -1e-310, 2.2250738585072014E-308, 3.0, double.NaN];
        double[] flushed = Tensor.FromArray(values).FlushSubnormal().ToArray<double>();
        Assert.Equal(0.0, flushed[0]);
        Assert.Equal(0.0, flushed[1]);
        Assert.Equal(2.2250738585072014E-308, flushed[2]);
        Assert.Equal(3.0, flushed[3]);
        Assert.True(double.IsNaN(flushed[4]));
    }
}
