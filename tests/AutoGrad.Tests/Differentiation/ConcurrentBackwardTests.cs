using AutoGrad.Differentiation;
using AutoGrad.NN.Initializers;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Differentiation;

/// <summary>Issue 12 item 2: backward passes running at once on one shared model lose no gradient contribution.</summary>
public class ConcurrentBackwardTests
{
    [Fact]
    public void Backward_FourThreadsOnOneSharedModel_AccumulateEveryContribution()
    {
        const int threads = 4, passes = 150;
        var dense = new Dense(1, kernelInitializer: new GlorotUniform(3), inputSize: 4096);
        dense.To(DType.Float64);
        var x = Tensor.RandN([2, 4096], new Generator(5), DType.Float64);
        var y = Tensor.FromArray(new double[] { 0.5, -1 }, 2, 1);
        var loss = new MeanSquaredError();

        // One pass alone, for the expected values: every pass computes the same gradient, and the sum of
        // integers times it is exact enough in float64 to tell one missing contribution (a relative 1/600) apart.
        loss.Compute(dense.Call(x), y).Backward();
        double[] single = dense.Kernel!.Grad!.ToArray<double>();
        double singleBias = dense.Bias!.Grad!.ItemDouble();
        dense.ZeroGrad();

        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < passes; i++)
            {
                loss.Compute(dense.Call(x), y).Backward();
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());

        double[] total = dense.Kernel.Grad!.ToArray<double>();
        int wrong = 0;
        for (int i = 0; i < total.Length; i++)
        {
            double expected = single[i] * threads * passes;
            if (Math.Abs(total[i] - expected) > 1e-9 * Math.Abs(expected) + 1e-12)
            {
                wrong++;
            }
        }

        Assert.Equal(0, wrong);
        Assert.Equal(singleBias * threads * passes, dense.Bias.Grad!.ItemDouble(), 1e-9 * Math.Abs(singleBias * threads * passes));
    }
}
