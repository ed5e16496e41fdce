using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

public class OpCatalogCompletenessTests
{
    [Fact]
    public void Catalog_EveryDifferentiableOpClass_HasAGradCheckRow()
    {
        var covered = OpCoverage.NamesApplied(OpCatalog.All());
        var uncovered = OpCoverage.Uncovered(typeof(Op).Assembly.GetTypes(), covered);
        // An entry here means an op class without a row in tests/AutoGrad.Tests/GradChecks/OpCatalog.*.cs: add one.
        Assert.Equal(Array.Empty<string>(), uncovered);
    }

    [Fact]
    public void Uncovered_OpClassWithoutRow_IsReportedByNameAndClass()
    {
        var covered = new SortedSet<string> { "exp" };
        var uncovered = OpCoverage.Uncovered([typeof(UncoveredTestOp), typeof(NoGradientTestOp)], covered);
        Assert.Equal(new[] { "uncovered_test_op (UncoveredTestOp)" }, uncovered);
    }

    [Fact]
    public void NamesApplied_RowsUsingSeveralOps_RecordsEachPrintedName()
    {
        var row = OpCatalog.Find("mlp_mse:2-layer tanh MLP, mean squared error");
        var names = OpCoverage.NamesApplied([row]);
        Assert.Equal(new[] { "add", "div", "matmul", "mul", "reduce_sum", "sub", "tanh" }, names.ToArray());
    }

    private sealed class UncoveredTestOp : Op
    {
        public override string Name => "uncovered_test_op";

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => inputs[0];

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => throw new NotSupportedException();

        public override Tensor?[] Backward(GradientContext context) => throw new NotSupportedException();
    }

    private sealed class NoGradientTestOp : Op
    {
        public override string Name => "no_gradient_test_op";

        public override bool IsDifferentiable => false;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => inputs[0];

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => throw new NotSupportedException();

        public override Tensor?[] Backward(GradientContext context) => throw new NotSupportedException();
    }
}
