using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

public class GradientAccumulationTests
{
    private static readonly double[] Values = [-1.5, -0.25, 0.5, 2.0];

    public static TheoryData<string> Cases() => new() { "x*x", "x+x+x", "x*x*x + exp(x)*x", "x*sum(x)", "maximum(x, x)", "x/x + x" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Grad_TensorUsedSeveralTimes_SumsEveryUse(string expression)
    {
        var x = Tensor.FromArray(Values).RequireGrad();
        (Func<Tensor, Tensor> f, Func<double, double> derivative) = expression switch
        {
            "x*x" => ((Func<Tensor, Tensor>)(t => t.Mul(t)), (Func<double, double>)(v => 2 * v)),
            "x+x+x" => (t => t.Add(t).Add(t), _ => 3.0),
            "x*x*x + exp(x)*x" => (t => t.Mul(t).Mul(t).Add(t.Exp().Mul(t)), v => (3 * v * v) + (Math.Exp(v) * (1 + v))),
            // ∂/∂x_k of ∑_i x_i·S with S = ∑x is S (the x_k factor) plus ∑_i x_i (through S): 2S.
            "x*sum(x)" => (t => t.Mul(t.Sum()), _ => 2 * Values.Sum()),
            // maximum of a tensor with itself ties everywhere: ½ + ½ = 1.
            "maximum(x, x)" => (t => t.Maximum(t), _ => 1.0),
            "x/x + x" => (t => t.Div(t).Add(t), _ => 1.0),
            _ => throw new ArgumentOutOfRangeException(nameof(expression)),
        };

        Tensor grad = Autodiff.Grad(f(x).Sum(), x);

        double[] expected = Values.Select(derivative).ToArray();
        double[] actual = grad.ToArray<double>();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-12);
        }
    }

    [Fact]
    public void Backward_CalledOnTwoLosses_AccumulatesIntoGrad()
    {
        var x = Tensor.FromArray(Values).RequireGrad();
        x.Mul(x).Sum().Backward();
        x.Sigmoid().Sum().Backward();
        double[] expected = Values.Select(v => (2 * v) + (1 / (1 + Math.Exp(-v)) * (1 - (1 / (1 + Math.Exp(-v)))))).ToArray();
        double[] actual = x.Grad!.ToArray<double>();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-12);
        }
    }
}
