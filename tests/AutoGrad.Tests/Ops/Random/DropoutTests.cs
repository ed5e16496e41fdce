using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Random;

public class DropoutTests
{
    [Fact]
    public void Dropout_SameSeed_SameMask()
    {
        Tensor x = Tensor.Ones([64, 32]);
        float[] a = x.Dropout(0.5, true, new Generator(9)).ToArray();
        float[] b = x.Dropout(0.5, true, new Generator(9)).ToArray();
        float[] c = x.Dropout(0.5, true, new Generator(10)).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(1e-9)]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(1.0 / 3.0)]
    [InlineData(0.9999999)]
    [InlineData(1.0)]
    public void Dropout_Mask_IsOneNextDoublePerElementInOrder(double p)
    {
        // The mask's fast fill against the definition, element by element: dropped where a NextDouble() draw is below p.
        // Then both generators must be in the same state (their next draws agree).
        foreach (DType dtype in new[] { DType.Float32, DType.Float64 })
        {
            var fast = new Generator(77);
            var reference = new Generator(77);
            double[] mask = Tensor.Ones([37, 53], dtype).Dropout(p, true, fast).ToArray<double>();
            double kept = p >= 1 ? 0 : 1 / (1 - p);
            for (int i = 0; i < mask.Length; i++)
            {
                double expected = reference.NextDouble() < p ? 0 : dtype == DType.Float32 ? (float)kept : kept;
                Assert.True(expected == mask[i], $"{dtype}, p = {p}, element {i}: {mask[i]} instead of {expected}");
            }

            Assert.Equal(reference.NextUInt64(), fast.NextUInt64());
        }
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.8)]
    public void Dropout_LargeTensor_ZeroFractionNearPAndMeanPreserved(double p)
    {
        Tensor y = Tensor.Ones([200, 500], DType.Float64).Dropout(p, true, new Generator(1));
        double[] values = y.ToArray<double>();
        double zeros = values.Count(v => v == 0) / (double)values.Length;
        // 100 000 Bernoulli draws: the standard error of the fraction is below 0.0016, so 0.01 is over six of them.
        Assert.InRange(zeros, p - 0.01, p + 0.01);
        Assert.InRange(values.Average(), 0.97, 1.03);
        Assert.All(values, v => Assert.True(v == 0 || Math.Abs(v - (1 / (1 - p))) < 1e-12));
    }

    [Fact]
    public void Dropout_EvalOrZeroP_ReturnsInputItself()
    {
        Tensor x = Tensor.RandN([3, 3], new Generator(2));
        Assert.Same(x, x.Dropout(0.5, training: false));
        Assert.Same(x, x.Dropout(0.0, training: true));
    }

    [Fact]
    public void Dropout_Backward_IsMaskOverKeepProbability()
    {
        Tensor x = Tensor.Ones([10, 10], DType.Float64).RequireGrad();
        Tensor y = x.Dropout(0.25, true, new Generator(4));
        y.Sum().Backward();
        double[] mask = y.ToArray<double>();
        Assert.Equal(mask, x.Grad!.ToArray<double>());
        Assert.Contains(4.0 / 3.0, mask);
        Assert.Contains(0.0, mask);
    }

    [Fact]
    public void Dropout_POne_ZerosEverything()
    {
        Assert.All(Tensor.Ones([5]).Dropout(1.0, true, new Generator(1)).ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Dropout_BadProbability_NamesP(double p)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Ones([2]).Dropout(p, true));
        Assert.Contains("dropout: probability p must be in [0, 1]", ex.Message);
    }
}
