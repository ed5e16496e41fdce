using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Elementwise;

public class UnaryElementwiseForwardTests
{
    private static readonly double[] General = [-3, -1.5, -0.5, 0, 0.25, 1, 2.5, 7];
    private static readonly double[] Positive = [0.01, 0.5, 1, 2, 9, 100];

    private static readonly Dictionary<string, (Func<Tensor, Tensor> Op, Func<double, double> Reference, double[] Inputs)> Table = new()
    {
        ["neg"] = (x => x.Neg(), v => -v, General),
        ["exp"] = (x => x.Exp(), Math.Exp, General),
        ["log"] = (x => x.Log(), Math.Log, Positive),
        ["tanh"] = (x => x.Tanh(), Math.Tanh, General),
        ["sqrt"] = (x => x.Sqrt(), Math.Sqrt, Positive),
        ["rsqrt"] = (x => x.Rsqrt(), v => 1 / Math.Sqrt(v), Positive),
        ["abs"] = (x => x.Abs(), Math.Abs, General),
        ["sign"] = (x => x.Sign(), v => Math.Sign(v), General),
        ["square"] = (x => x.Square(), v => v * v, General),
        ["sigmoid"] = (x => x.Sigmoid(), v => 1 / (1 + Math.Exp(-v)), General),
        ["relu"] = (x => x.Relu(), v => Math.Max(v, 0), General),
        ["leaky_relu 0.1"] = (x => x.LeakyRelu(0.1), v => v > 0 ? v : 0.1 * v, General),
        ["leaky_relu 3"] = (x => x.LeakyRelu(3), v => v > 0 ? v : 3 * v, General),
        ["elu 0.7"] = (x => x.Elu(0.7), v => v > 0 ? v : 0.7 * (Math.Exp(v) - 1), General),
        ["softplus"] = (x => x.Softplus(), v => Math.Log(1 + Math.Exp(v)), General),
        ["gelu"] = (x => x.Gelu(), v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + (0.044715 * v * v * v)))), General),
        ["pow 3"] = (x => x.Pow(3), v => Math.Pow(v, 3), General),
        ["pow 0.5"] = (x => x.Pow(0.5), v => Math.Pow(v, 0.5), Positive),
        ["pow -1.5"] = (x => x.Pow(-1.5), v => Math.Pow(v, -1.5), Positive),
        ["clamp -1..2"] = (x => x.Clamp(-1, 2), v => Math.Clamp(v, -1, 2), General),
        ["clamp min 0.5"] = (x => x.Clamp(0.5, null), v => Math.Max(v, 0.5), General),
        ["clamp max 0.5"] = (x => x.Clamp(null, 0.5), v => Math.Min(v, 0.5), General),
    };

    public static TheoryData<string, DType> Cases()
    {
        var data = new TheoryData<string, DType>();
        foreach (string op in Table.Keys)
        {
            data.Add(op, DType.Float32);
            data.Add(op, DType.Float64);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_KnownInputs_MatchesDoubleReference(string op, DType dtype)
    {
        var (f, reference, inputs) = Table[op];
        Tensor x = Tensor.FromArray(inputs).To(dtype);
        Tensor y = f(x);

        Assert.Equal(dtype, y.DType);
        Assert.Equal(x.Shape, y.Shape);
        // The reference sees the input as the op saw it (rounded to float32 for float32 runs).
        double[] seen = x.ToArray<double>();
        double[] actual = y.ToArray<double>();
        double relative = dtype == DType.Float32 ? 2e-6 : 1e-13;
        for (int i = 0; i < seen.Length; i++)
        {
            double expected = reference(seen[i]);
            Assert.True(Math.Abs(actual[i] - expected) <= relative * Math.Max(1, Math.Abs(expected)),
                $"{op}({seen[i]:R}) in {dtype}: got {actual[i]:R}, expected {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_EveryLengthUpTo260_MatchesDoubleReference(string op, DType dtype)
    {
        // Vectorized kernels split work into full vectors and a scalar tail; every length exercises every split.
        var (f, reference, inputs) = Table[op];
        var generator = new Generator(11);
        for (int length = 0; length <= 260; length += length < 40 ? 1 : 13)
        {
            var values = new double[length];
            for (int i = 0; i < length; i++)
            {
                values[i] = inputs[(int)generator.NextInt(0, inputs.Length)] * generator.Uniform(0.5, 1.5);
            }

            Tensor x = Tensor.FromArray(values).To(dtype);
            double[] seen = x.ToArray<double>();
            double[] actual = f(x).ToArray<double>();
            double relative = dtype == DType.Float32 ? 4e-6 : 1e-13;
            for (int i = 0; i < length; i++)
            {
                double expected = reference(seen[i]);
                Assert.True(Math.Abs(actual[i] - expected) <= relative * Math.Max(1, Math.Abs(expected)),
                    $"{op}({seen[i]:R}) in {dtype} at length {length}, index {i}: got {actual[i]:R}, expected {expected:R}");
            }
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Softplus_HugeMagnitudes_StaysFiniteAndExact(DType dtype)
    {
        double[] actual = Tensor.FromArray(new[] { 1000.0, -1000.0, 0.0, 50.0 }).To(dtype).Softplus().ToArray<double>();
        Assert.Equal(1000.0, actual[0]);
        Assert.Equal(0.0, actual[1]);
        Assert.Equal(Math.Log(2), actual[2], dtype == DType.Float32 ? 1e-7 : 1e-15);
        Assert.Equal(50.0, actual[3], 1e-12);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Sigmoid_HugeMagnitudes_SaturatesWithoutNaN(DType dtype)
    {
        double[] actual = Tensor.FromArray(new[] { 1000.0, -1000.0 }).To(dtype).Sigmoid().ToArray<double>();
        Assert.Equal(new[] { 1.0, 0.0 }, actual);
    }

    [Fact]
    public void Sign_NaN_IsZero()
    {
        double[] actual = Tensor.FromArray(new[] { double.NaN, -0.0, 5 }).Sign().ToArray<double>();
        Assert.Equal(new[] { 0.0, 0.0, 1.0 }, actual);
    }

    [Fact]
    public void Clamp_MinAboveMax_GivesMaxEverywhere()
    {
        double[] actual = Tensor.FromArray(new[] { -5.0, 0.0, 5.0 }).Clamp(2, 1).ToArray<double>();
        Assert.Equal(new[] { 1.0, 1.0, 1.0 }, actual);
    }

    [Fact]
    public void Clamp_NoBounds_ThrowsNamingClamp()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Ones([2]).Clamp(null, null));
        Assert.Equal("clamp: at least one of min and max must be given.", error.Message);
    }
}
