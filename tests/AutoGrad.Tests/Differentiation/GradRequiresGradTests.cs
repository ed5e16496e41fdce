using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Differentiation;

/// <summary>Issue 12 item 1: Autodiff.Grad never answers zeros for a tensor it cannot differentiate.</summary>
public class GradRequiresGradTests
{
    [Fact]
    public void Grad_WrtTensorNotRequiringGrad_AloneInTheGraph_Throws()
    {
        var x = Tensor.FromArray(new float[] { 1, 2 });
        var error = Assert.Throws<InvalidOperationException>(() => Autodiff.Grad((x * x).Sum(), [x]));
        Assert.Contains("does not require grad", error.Message);
        Assert.Contains("input 0", error.Message);
        Assert.Contains("f32[2]", error.Message);
    }

    [Fact]
    public void Grad_WrtTensorNotRequiringGrad_BesideOneThatDoes_ThrowsNamingIt()
    {
        var w = Tensor.FromArray(new double[] { 3, 4 }).RequireGrad();
        var x = Tensor.FromArray(new double[] { 1, 2, 5 });
        var y = (w * w).Sum() + (x * x).Sum();
        var error = Assert.Throws<InvalidOperationException>(() => Autodiff.Grad(y, [w, x], allowUnused: true));
        Assert.Contains("input 1", error.Message);
        Assert.Contains("does not require grad", error.Message);
        Assert.DoesNotContain("not used", error.Message);
    }

    [Fact]
    public void Grad_AllowUnused_ReturnsNullForTheUnusedInputAsDocumented()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }).RequireGrad();
        var unused = Tensor.Ones([3], DType.Float64).RequireGrad();
        Tensor?[] grads = Autodiff.Grad((x * x).Sum(), [x, unused], allowUnused: true);
        Assert.Equal(new[] { 2.0, 4 }, grads[0]!.ToArray<double>());
        Assert.Null(grads[1]);
    }

    [Fact]
    public void Grad_UnusedInputOfAGraphWithoutHistory_ThrowsUnlessAllowed()
    {
        // The output is a leaf: nothing was recorded, so a different wrt tensor was certainly not used.
        var x = Tensor.FromArray(new double[] { 1, 2 }).RequireGrad();
        var other = Tensor.FromArray(new double[] { 3 }).RequireGrad();
        var error = Assert.Throws<InvalidOperationException>(() => Autodiff.Grad(x, [other], gradOutput: x.OnesLike()));
        Assert.Contains("not used", error.Message);
        Assert.Null(Autodiff.Grad(x, [other], gradOutput: x.OnesLike(), allowUnused: true)[0]);
    }
}
