using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Differentiation;

public class ReverseWalkTests
{
    [Fact]
    public void Backward_TensorUsedTwice_SumsBothContributions()
    {
        var x = Tensor.FromArray(new double[] { 1.5, -2.0, 3.0 }).RequireGrad();
        (x * x).Sum().Backward();
        Assert.Equal(new[] { 3.0, -4.0, 6.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Backward_BroadcastOperand_GradientReducedToItsShape()
    {
        var a = Tensor.Ones([2, 3], DType.Float64).RequireGrad();
        var b = Tensor.FromArray(new double[] { 1, 2, 3 }).RequireGrad();
        (a * b).Sum().Backward();
        Assert.Equal(new[] { 2, 3 }, a.Grad!.Shape.ToArray());
        Assert.Equal(new[] { 1.0, 2, 3, 1, 2, 3 }, a.Grad.ToArray<double>());
        Assert.Equal(new[] { 2.0, 2, 2 }, b.Grad!.ToArray<double>());
    }

    [Fact]
    public void Backward_ChainOf100000Ops_DoesNotOverflowTheStack()
    {
        var x = Tensor.Scalar(1.0, DType.Float64).RequireGrad();
        Tensor y = x;
        for (int i = 0; i < 100_000; i++)
        {
            y = y * 1.00001;
        }

        y.Backward();
        Assert.Equal(Math.Pow(1.00001, 100_000), x.Grad!.ItemDouble(), 1e-9);
    }

    [Fact]
    public void Grad_CreateGraph_GivesSecondDerivative()
    {
        var x = Tensor.FromArray(new double[] { 0.3, -0.7 }).RequireGrad();
        var y = x.Tanh().Sum();
        var dy = Autodiff.Grad(y, [x], createGraph: true)[0];
        var d2y = Autodiff.Grad(dy.Sum(), [x])[0];
        double[] expected = x.ToArray<double>().Select(v => -2 * Math.Tanh(v) * (1 - (Math.Tanh(v) * Math.Tanh(v)))).ToArray();
        Assert.Equal(expected[0], d2y.ToArray<double>()[0], 12);
        Assert.Equal(expected[1], d2y.ToArray<double>()[1], 12);
    }
}
