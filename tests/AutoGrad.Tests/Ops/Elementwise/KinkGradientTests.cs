using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Elementwise;

/// <summary>The derivatives chosen exactly at kinks and ties, where finite differences cannot decide.</summary>
public class KinkGradientTests
{
    public static TheoryData<string, double, double> KinkCases() => new()
    {
        // op, input, expected derivative
        { "relu", 0.0, 0.0 },
        { "relu", -0.0, 0.0 },
        { "abs", 0.0, 0.0 },
        { "leaky_relu 0.2", 0.0, 0.2 },
        { "elu 0.5", 0.0, 0.5 },
        { "softplus", 0.0, 0.5 },
        { "clamp -1..1", -1.0, 1.0 },
        { "clamp -1..1", 1.0, 1.0 },
        { "clamp -1..1", 1.5, 0.0 },
        { "maximum(x, 0)", 0.0, 0.5 },
        { "minimum(x, 0)", 0.0, 0.5 },
    };

    [Theory]
    [MemberData(nameof(KinkCases))]
    public void Grad_AtKink_IsTheDocumentedChoice(string op, double input, double expected)
    {
        Func<Tensor, Tensor> f = op switch
        {
            "relu" => x => x.Relu(),
            "abs" => x => x.Abs(),
            "leaky_relu 0.2" => x => x.LeakyRelu(0.2),
            "elu 0.5" => x => x.Elu(0.5),
            "softplus" => x => x.Softplus(),
            "clamp -1..1" => x => x.Clamp(-1, 1),
            "maximum(x, 0)" => x => x.Maximum(0.0),
            "minimum(x, 0)" => x => x.Minimum(0.0),
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };
        var x = Tensor.Scalar(input, DType.Float64).RequireGrad();
        Assert.Equal(expected, Autodiff.Grad(f(x), x).ItemDouble());
    }

    [Fact]
    public void Maximum_TiedOperands_SplitGradientHalfEach()
    {
        var a = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }).RequireGrad();
        var b = Tensor.FromArray(new[] { 1.0, 5.0, 0.0 }).RequireGrad();
        Tensor[] grads = Autodiff.Grad(a.Maximum(b).Sum(), [a, b]);
        Assert.Equal(new[] { 0.5, 0.0, 1.0 }, grads[0].ToArray<double>());
        Assert.Equal(new[] { 0.5, 1.0, 0.0 }, grads[1].ToArray<double>());
    }

    [Fact]
    public void Minimum_TiedBroadcastScalar_CollectsHalfOfEveryTie()
    {
        var a = Tensor.FromArray(new[] { 2.0, 2.0, 1.0 }).RequireGrad();
        var b = Tensor.Scalar(2.0, DType.Float64).RequireGrad();
        Tensor[] grads = Autodiff.Grad(a.Minimum(b).Sum(), [a, b]);
        Assert.Equal(new[] { 0.5, 0.5, 1.0 }, grads[0].ToArray<double>());
        Assert.Equal(1.0, grads[1].ItemDouble());
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("abs")]
    [InlineData("leaky_relu")]
    [InlineData("clamp")]
    [InlineData("maximum")]
    public void SecondDerivative_PiecewiseLinearOp_IsZeroNotAnError(string op)
    {
        Func<Tensor, Tensor> f = op switch
        {
            "relu" => x => x.Relu(),
            "abs" => x => x.Abs(),
            "leaky_relu" => x => x.LeakyRelu(0.1),
            "clamp" => x => x.Clamp(-1, 1),
            _ => x => x.Maximum(x.Mul(0.5)),
        };
        var x = Tensor.FromArray(new[] { -0.7, 0.3, 2.0 }).RequireGrad();
        // Weighting by x makes the first derivative depend on x through the product rule only.
        Tensor first = Autodiff.Grad(f(x).Sum(), [x], createGraph: true)[0];
        Tensor second = Autodiff.Grad(first.Mul(x).Sum(), [x], allowUnused: true)[0]!;
        Assert.Equal(first.ToArray<double>(), second.ToArray<double>());
    }

    [Fact]
    public void Where_NaNInBranchNotTaken_GradientStaysFinite()
    {
        var x = Tensor.FromArray(new[] { -1.0, 2.0 }).RequireGrad();
        Tensor y = Tensor.Where(x.Greater(0.0), x.Log(), Tensor.Scalar(0.0, DType.Float64));
        Assert.True(double.IsNaN(x.Log().ToArray<double>()[0]));
        Assert.Equal(0.0, y.ToArray<double>()[0]);
        Assert.Equal(Math.Log(2.0), y.ToArray<double>()[1], 1e-15);
        Assert.Equal(new[] { 0.0, 0.5 }, Autodiff.Grad(y.Sum(), x).ToArray<double>());
    }
}
