using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

/// <summary>
/// The completeness guard checks printed op names, not op classes: a class that reports several names
/// (softmax/log_softmax, maximum/minimum, the comparisons) needs a catalog row for each of them.
/// </summary>
public class OpNameGuardTests
{
    [Fact]
    public void Uncovered_SecondNameOfASharedClassWithoutRow_IsReported()
    {
        // The real catalog minus the rows of one name of each shared class: the guard must name exactly those.
        var covered = new SortedSet<string>(OpCoverage.NamesApplied(OpCatalog.All()), StringComparer.Ordinal);
        covered.Remove("log_softmax");
        covered.Remove("maximum");
        var uncovered = OpCoverage.Uncovered(typeof(Op).Assembly.GetTypes(), covered);
        Assert.Equal(new[] { "log_softmax (SoftmaxOp)", "maximum (ExtremumOp)" }, uncovered);
    }

    [Fact]
    public void NamesOf_ClassesSharingADefinition_ListEveryName()
    {
        Assert.Equal(new[] { "log_softmax", "softmax" }, OpCoverage.NamesOf(typeof(Tensor).Assembly.GetType("AutoGrad.Ops.Reductions.SoftmaxOp")!));
        Assert.Equal(new[] { "maximum", "minimum" }, OpCoverage.NamesOf(typeof(Tensor).Assembly.GetType("AutoGrad.Ops.Elementwise.ExtremumOp")!));
        Assert.Equal(
            new[] { "equal", "greater", "greater_equal", "less", "less_equal", "not_equal" },
            OpCoverage.NamesOf(typeof(Tensor).Assembly.GetType("AutoGrad.Ops.Elementwise.ComparisonOp")!));
        Assert.Equal(new[] { "exp" }, OpCoverage.NamesOf(typeof(Tensor).Assembly.GetType("AutoGrad.Ops.Elementwise.ExpOp")!));
    }

    [Fact]
    public void Uncovered_TestClassWithTwoNamesAndOneRow_ReportsTheOtherName()
    {
        var uncovered = OpCoverage.Uncovered([typeof(TwoNamesTestOp)], new SortedSet<string> { "alpha_test_op" });
        Assert.Equal(new[] { "beta_test_op (TwoNamesTestOp)" }, uncovered);
    }

    [Fact]
    public void Uncovered_ComputedNameWithoutVariants_IsReportedAsUnguardable()
    {
        // Its uninitialised instance would say "gamma_test_op", which is covered; the guard must not trust that.
        var uncovered = OpCoverage.Uncovered([typeof(ComputedNameTestOp)], new SortedSet<string> { "gamma_test_op", "delta_test_op" });
        Assert.Equal(
            new[] { "? (ComputedNameTestOp): Name is computed; declare `internal static IReadOnlyList<Op> Variants` with one instance per name" },
            uncovered);
    }

    private sealed class TwoNamesTestOp(bool alpha) : Op
    {
        internal static IReadOnlyList<Op> Variants { get; } = [new TwoNamesTestOp(alpha: true), new TwoNamesTestOp(alpha: false)];

        public override string Name => alpha ? "alpha_test_op" : "beta_test_op";

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => inputs[0];

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => throw new NotSupportedException();

        public override Tensor?[] Backward(GradientContext context) => throw new NotSupportedException();
    }

    private sealed class ComputedNameTestOp(bool delta) : Op
    {
        public override string Name => delta ? "delta_test_op" : "gamma_test_op";

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => inputs[0];

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output) => throw new NotSupportedException();

        public override Tensor?[] Backward(GradientContext context) => throw new NotSupportedException();
    }
}
