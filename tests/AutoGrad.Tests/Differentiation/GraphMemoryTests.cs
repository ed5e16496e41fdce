using System.Runtime.CompilerServices;
using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Differentiation;

/// <summary>Runs alone: process-wide GC measurements would see other tests' allocations.</summary>
[CollectionDefinition(nameof(GraphMemoryCollection), DisableParallelization = true)]
public sealed class GraphMemoryCollection
{
}

[Collection(nameof(GraphMemoryCollection))]
public class GraphMemoryTests
{
    [Fact]
    public void TrainingLoop_ThousandsOfSteps_KeepsMemoryFlat()
    {
        var w = Tensor.RandN([64, 64], new Generator(1)).RequireGrad();
        var x = Tensor.RandN([32, 64], new Generator(2));
        void Step()
        {
            w.ZeroGrad();
            x.MatMul(w).Tanh().Sum().Backward();
        }

        for (int i = 0; i < 200; i++)
        {
            Step();
        }

        long before = Measure();
        for (int i = 0; i < 3000; i++)
        {
            Step();
        }

        long after = Measure();
        // Each step allocates ~50 KB of activations; keeping one step's graph per step would add ~150 MB.
        Assert.True(after - before < 5_000_000, $"Retained memory grew by {after - before} bytes over 3000 steps.");
    }

    [Fact]
    public void Backward_ReleasesSavedActivations_WhileTheLossTensorIsStillHeld()
    {
        var w = Tensor.RandN([8, 8], new Generator(3)).RequireGrad();
        var (loss, activation) = Forward(w);
        loss.Backward();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(activation.TryGetTarget(out _), "The tanh output saved for the gradient is still reachable after Backward().");
        Assert.True(loss.GradFn!.IsReleased);
    }

    [Fact]
    public void Backward_RetainGraph_KeepsSavedActivations()
    {
        var w = Tensor.RandN([8, 8], new Generator(3)).RequireGrad();
        var (loss, activation) = Forward(w);
        loss.Backward(retainGraph: true);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.True(activation.TryGetTarget(out _));
        GC.KeepAlive(loss);
    }

    // Not inlined so no local in the test method keeps the activation alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (Tensor Loss, WeakReference<Tensor> Activation) Forward(Tensor w)
    {
        var h = w.MatMul(w).Tanh();
        return (h.Sum(), new WeakReference<Tensor>(h));
    }

    private static long Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
