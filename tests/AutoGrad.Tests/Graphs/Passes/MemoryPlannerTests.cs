using AutoGrad.Graphs;
using AutoGrad.Graphs.Passes;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Passes;

public class MemoryPlannerTests
{
    [Fact]
    public void Plan_ElementwiseChain_RunsInPlaceInOneBuffer()
    {
        Graph graph = Graph.Trace(x => x.Exp().Tanh().Neg().Sqrt(), TensorSpec.Batched(DType.Float64, 8));
        MemoryPlan plan = MemoryPlanner.Plan(graph, batch: 4);
        Assert.Equal([BufferUse.Allocated, BufferUse.InPlace, BufferUse.InPlace, BufferUse.InPlace], plan.Uses.ToArray());
        // The one buffer holds the output, so it is an array of its own and the arena is empty.
        Assert.Single(plan.Buffers);
        Assert.False(plan.Buffers[0].InArena);
        Assert.Equal(0, plan.ArenaBytes);
        Assert.Equal(4 * 8 * 8, plan.PlannedBytes);
        Assert.Equal(4 * 4 * 8 * 8, plan.UnplannedBytes);
        Assert.Equal([1, 2, 3, int.MaxValue], plan.LastUse.ToArray());
    }

    [Fact]
    public void Plan_ValueReadLater_IsNotOverwrittenAndDeadBuffersAreReused()
    {
        // e is read by the last node, so tanh(e) cannot overwrite it; m2 reuses the arena bytes of t, dead after m1.
        var w = Tensor.Ones([8, 8], DType.Float64).RequireGrad().Also("w");
        Graph graph = Graph.Trace(x =>
        {
            Tensor e = x.Exp();
            Tensor t = e.Tanh();
            Tensor m1 = t.MatMul(w);
            Tensor m2 = m1.MatMul(w);
            return m2.MatMul(w).Add(e);
        }, TensorSpec.Batched(DType.Float64, 8));
        MemoryPlan plan = MemoryPlanner.Plan(graph, batch: 2);
        Assert.Equal(BufferUse.Allocated, plan.Uses[1]);
        Assert.NotEqual(plan.BufferOfNode[0], plan.BufferOfNode[1]);
        Assert.Equal(5, plan.LastUse[0]);
        long Offset(int node) => plan.Buffers[plan.BufferOfNode[node]].Offset;
        Assert.Equal([0L, 128, 256, 128], [Offset(0), Offset(1), Offset(2), Offset(3)]);
        Assert.Equal(plan.BufferOfNode[4], plan.BufferOfNode[5]);
        Assert.Equal(BufferUse.InPlace, plan.Uses[5]);
        Assert.Equal(5, plan.Buffers.Length);
        Assert.Equal(3 * 2 * 8 * 8, plan.ArenaBytes);
        Assert.Equal(2 * 8 * 8, plan.OutputBytes);
        Assert.True(plan.PlannedBytes < plan.UnplannedBytes);
        Assert.True(graph.Compile(optimize: false).Run(Tensor.Ones([2, 8], DType.Float64))[0].MaxRelativeError(graph.Run(Tensor.Ones([2, 8], DType.Float64))[0]) == 0);
    }

    [Fact]
    public void Plan_ReshapeOfANode_AliasesItsBuffer()
    {
        Graph graph = Graph.Trace(x => x.Exp().Reshape(-1).Tanh(), TensorSpec.Batched(DType.Float64, 3));
        MemoryPlan plan = MemoryPlanner.Plan(graph, batch: 5);
        Assert.Equal([BufferUse.Allocated, BufferUse.Alias, BufferUse.InPlace], plan.Uses.ToArray());
        Assert.Equal(1, plan.AliasCount);
        Assert.Equal("batch 5: 1 buffers, 120 bytes (0 arena, 120 outputs; vs 360 unplanned), 1 in place, 1 aliases", plan.ToString());
    }
}
