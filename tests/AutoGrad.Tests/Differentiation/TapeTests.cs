using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Differentiation;

public class TapeTests
{
    [Fact]
    public void Backward_WithoutRetainGraph_SecondBackwardThrowsClearError()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }).RequireGrad();
        var y = x.Exp().Sum();
        y.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("already released", error.Message);
        Assert.Contains("retainGraph", error.Message);
    }

    [Fact]
    public void Backward_RetainGraph_SecondBackwardAccumulates()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }).RequireGrad();
        var y = x.Exp().Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        double[] grad = x.Grad!.ToArray<double>();
        Assert.Equal(2 * Math.E, grad[0], 12);
        Assert.Equal(2 * Math.Exp(2), grad[1], 12);
    }

    [Fact]
    public void Backward_NonScalarWithoutSeed_ThrowsNamingTheShape()
    {
        var x = Tensor.Ones([2, 3]).RequireGrad();
        var error = Assert.Throws<ArgumentException>(() => (x * 2).Backward());
        Assert.Contains("(2, 3)", error.Message);
        Assert.Contains("seed", error.Message);
    }

    [Fact]
    public void Backward_NonScalarWithSeed_ComputesVectorJacobianProduct()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3 }).RequireGrad();
        (x * x).Backward(Tensor.FromArray(new double[] { 1, 10, 100 }));
        Assert.Equal(new[] { 2.0, 40, 600 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void InPlaceChange_OfSavedValue_IsReportedAtBackward()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }).RequireGrad();
        var h = x * 3;
        var y = h.Log().Sum(); // log saves h
        using (Autodiff.NoGrad())
        {
            h.Detach().Fill(5);
        }

        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("'log'", error.Message);
        Assert.Contains("modified in place", error.Message);
    }

    [Fact]
    public void InPlaceChange_OfLeafRequiringGrad_IsRefusedWhileRecording()
    {
        var w = Tensor.Ones([2]).RequireGrad();
        var error = Assert.Throws<InvalidOperationException>(() => w.Fill(0));
        Assert.Contains("NoGrad", error.Message);
        using (Autodiff.NoGrad())
        {
            w.Fill(0.5);
        }

        Assert.Equal(new[] { 0.5f, 0.5f }, w.ToArray());
    }

    [Fact]
    public void NoGrad_RecordsNothing_AndDetachCutsTheTape()
    {
        var x = Tensor.Ones([2]).RequireGrad();
        Tensor y;
        using (Autodiff.NoGrad())
        {
            y = x * 2;
        }

        Assert.False(y.RequiresGrad);
        Assert.Null(y.GradFn);
        var z = (x * 2).Detach();
        Assert.False(z.RequiresGrad);
        var w = x * 2;
        Assert.Equal("mul", w.GradFn!.Op.Name);
    }

    [Fact]
    public void Grad_Functional_DoesNotTouchGradAndReturnsIntermediateGradients()
    {
        var x = Tensor.FromArray(new double[] { 0.5, -1 }).RequireGrad();
        var h = x * x;
        var y = h.Sum() * 3;
        Tensor[] grads = Autodiff.Grad(y, [x, h]);
        Assert.Null(x.Grad);
        Assert.Equal(new[] { 3.0, -6 }, grads[0].ToArray<double>());
        Assert.Equal(new[] { 3.0, 3 }, grads[1].ToArray<double>());
    }

    [Fact]
    public void Grad_UnusedInput_ThrowsUnlessAllowed()
    {
        var x = Tensor.Ones([2], DType.Float64).RequireGrad();
        var unused = Tensor.Ones([3], DType.Float64).RequireGrad();
        var y = x.Sum();
        var error = Assert.Throws<InvalidOperationException>(() => Autodiff.Grad(y, [x, unused], retainGraph: true));
        Assert.Contains("not used", error.Message);
        Tensor?[] grads = Autodiff.Grad(y, [x, unused], allowUnused: true);
        Assert.Null(grads[1]);
    }

    [Fact]
    public void GradMode_IsPerThread_AndNodesDoNotLeakAcrossThreads()
    {
        Tensor? fromOtherThread = null;
        bool otherThreadEnabled = false;
        using (Autodiff.NoGrad())
        {
            var thread = new Thread(() =>
            {
                otherThreadEnabled = GradMode.IsEnabled;
                var p = Tensor.Ones([2], DType.Float64).RequireGrad();
                fromOtherThread = (p * 3).Sum();
                fromOtherThread.Backward();
                fromOtherThread = p.Grad;
            });
            thread.Start();
            thread.Join();
            Assert.False(GradMode.IsEnabled);
        }

        Assert.True(otherThreadEnabled);
        Assert.Equal(new[] { 3.0, 3 }, fromOtherThread!.ToArray<double>());
    }

    [Fact]
    public void TwoThreads_TrainingSeparateModels_GetTheirOwnGradients()
    {
        var results = new double[2][];
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            var w = Tensor.Full([3], t + 1.0, DType.Float64).RequireGrad();
            for (int step = 0; step < 200; step++)
            {
                w.ZeroGrad();
                (w * w).Sum().Backward();
                using (Autodiff.NoGrad())
                {
                    w.AddInPlace(w.Grad!, -0.01);
                }
            }

            results[t] = w.ToArray<double>();
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        // w ← w·(1 − 0.02) each step.
        Assert.Equal(1.0 * Math.Pow(0.98, 200), results[0][0], 12);
        Assert.Equal(2.0 * Math.Pow(0.98, 200), results[1][0], 12);
    }

    [Fact]
    public void AnomalyMode_ForwardNaN_NamesTheOpAndTheCaller()
    {
        var x = Tensor.FromArray(new double[] { -1, 2 }).RequireGrad();
        using (Autodiff.DetectAnomaly())
        {
            var error = Assert.Throws<AnomalyException>(() => x.Log());
            Assert.Contains("'log'", error.Message);
            Assert.Contains("1 NaN", error.Message);
            Assert.Contains(nameof(AnomalyMode_ForwardNaN_NamesTheOpAndTheCaller), error.Message);
        }
    }

    [Fact]
    public void AnomalyMode_BackwardInfinity_NamesTheOpAndWhereTheNodeWasCreated()
    {
        // Forward 1/x = 1e30 is finite in float32; its gradient −1/x² = −1e60 is not.
        var x = Tensor.FromArray(new float[] { 1e-30f }).RequireGrad();
        using (Autodiff.DetectAnomaly())
        {
            var y = x.RDiv(1.0).Sum();
            var error = Assert.Throws<AnomalyException>(() => y.Backward());
            Assert.Contains("gradient rule of 'div'", error.Message);
            Assert.Contains(nameof(AnomalyMode_BackwardInfinity_NamesTheOpAndWhereTheNodeWasCreated), error.Message);
        }
    }

    [Fact]
    public void AnomalyMode_Off_LetsNaNThrough()
    {
        var x = Tensor.FromArray(new double[] { -1 });
        Assert.True(double.IsNaN(x.Log().ItemDouble()));
    }
}
