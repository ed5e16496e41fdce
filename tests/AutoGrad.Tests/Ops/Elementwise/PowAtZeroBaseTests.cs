using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Elementwise;

/// <summary>Issue 12 item 7: d(aᵇ)/db at a = 0 is 0 (the aᵇ factor vanishes), as in PyTorch, not 0·ln 0 = NaN.</summary>
public class PowAtZeroBaseTests
{
    [Fact]
    public void Pow_ExponentGradientAtZeroBase_IsZero()
    {
        var a = Tensor.FromArray(new double[] { 0, 0, 0, 2 });
        var b = Tensor.FromArray(new double[] { 2, 0.5, 0, 3 }).RequireGrad();
        Tensor grad = Autodiff.Grad(a.Pow(b).Sum(), b);
        Assert.Equal(new[] { 0, 0, 0, 8 * Math.Log(2) }, grad.ToArray<double>());
    }

    [Fact]
    public void Pow_ExponentGradientAtZeroBase_MatchesFiniteDifferencesToSecondOrder()
    {
        var a = Tensor.FromArray(new double[] { 0, 0, 1.5, 0.7 });
        var b = Tensor.FromArray(new double[] { 2, 0.5, 1.2, 3 });
        GradCheck.Assert(p => a.Pow(p[0]), [b]);
        GradCheck.AssertSecondOrder(p => a.Pow(p[0]), [b]);
    }

    [Fact]
    public void Pow_NegativeExponentAtZeroBase_KeepsTheIeeeInfinity()
    {
        // 0^b for b < 0 is +∞; the exponent gradient ∞·ln 0 = −∞ is left alone (PyTorch does the same).
        var a = Tensor.FromArray(new double[] { 0 });
        var b = Tensor.FromArray(new double[] { -1 }).RequireGrad();
        Assert.Equal(double.NegativeInfinity, Autodiff.Grad(a.Pow(b).Sum(), b).ToArray<double>()[0]);
    }
}
