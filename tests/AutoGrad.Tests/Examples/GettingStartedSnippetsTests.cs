using AutoGrad.Docs.Snippets;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Examples;

/// <summary>Runs the code of docs/getting-started.md and checks the values its comments promise.</summary>
public sealed class GettingStartedSnippetsTests
{
    [Fact]
    public void Tensors_MatMulPlusOne_PrintsPromisedValues()
    {
        Tensor c = GettingStartedSnippets.Tensors();

        Assert.Equal(new float[] { 4, 4, 8, 8 }, c.ToArray());
        Assert.Equal("f32[2,2]", c.Type.ToString());
    }

    [Fact]
    public void Gradients_SumOfSquares_IsTwiceX()
    {
        Assert.Equal(new double[] { 2, 4, 6 }, GettingStartedSnippets.Gradients().ToArray<double>());
    }

    [Fact]
    public void HigherOrder_Tanh_GivesFirstAndSecondDerivatives()
    {
        (Tensor first, Tensor second) = GettingStartedSnippets.HigherOrder();

        double[] x = [0.5, 1.0];
        Assert.Equal(x.Select(v => 1 - (Math.Tanh(v) * Math.Tanh(v))), first.ToArray<double>(), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(x.Select(v => -2 * Math.Tanh(v) * (1 - (Math.Tanh(v) * Math.Tanh(v)))), second.ToArray<double>(), (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void ManualLoop_LinearData_RecoversSlopeAndIntercept()
    {
        (double w, double b) = GettingStartedSnippets.ManualLoop();

        Assert.Equal(3, w, 0.1);
        Assert.Equal(2, b, 0.1);
    }

    [Fact]
    public void KerasStyle_Xor_LearnedAndSurvivesSaveLoad()
    {
        (var model, Tensor predictions) = GettingStartedSnippets.KerasStyle();

        Assert.Equal([0, 1, 1, 0], predictions.ToArray().Select(p => p > 0.5f ? 1 : 0));
        Tensor x = Tensor.FromArray(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });
        Assert.Equal(predictions.ToArray(), GettingStartedSnippets.SaveAndLoad(model, x).ToArray());
    }

    [Fact]
    public void CheckGradients_SoftSign_Passes()
    {
        var result = GettingStartedSnippets.CheckGradients();

        Assert.True(result.Passed, result.Message);
        Assert.True(result.MaxError < 1e-6, result.Message);
    }

    [Fact]
    public void Transforms_SquareAndLinearLoss_GiveTheCommentedValues()
    {
        (Tensor jacobian, Tensor jv, Tensor vj, Tensor[][] hessian, Tensor[] hv) = GettingStartedSnippets.Transforms();

        Assert.Equal(new double[] { 2, 0, 0, 0, 4, 0, 0, 0, 6 }, jacobian.ToArray<double>());
        Assert.Equal(new double[] { 2, 0, -6 }, jv.ToArray<double>());
        Assert.Equal(new double[] { 2, 0, -6 }, vj.ToArray<double>());
        Assert.Equal(new double[] { 2, 4, 6, 4, 8, 12, 6, 12, 18 }, hessian[0][0].ToArray<double>());
        Assert.Equal(new double[] { 2, 4, 6 }, hessian[0][1].ToArray<double>());
        Assert.Equal(new double[] { 2, 4, 6 }, hessian[1][0].ToArray<double>());
        Assert.Equal(2.0, hessian[1][1].ItemDouble());
        Assert.Equal(new double[] { -2, -4, -6 }, hv[0].ToArray<double>());
        Assert.Equal(-2.0, hv[1].ItemDouble());
        Assert.Equal("[-2. -4. -6.], -2.", $"{hv[0]}, {hv[1]}");   // as the snippet's comment prints them
    }
}
