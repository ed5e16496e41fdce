using AutoGrad.Differentiation;
using AutoGrad.Tensors;
using AutoGrad.Tests.GradChecks;

namespace AutoGrad.Tests.Ops.Shaping;

/// <summary>
/// Runs this branch's catalog rows (shaping, indexing, conv/pool) through GradCheck so they are verified before the
/// catalog-wide theory lands; rows are passed by name so each shows up as its own test case.
/// </summary>
public class ShapingGradCheckTests
{
    private static readonly Dictionary<string, OpCase> Cases =
        OpCatalog.Shaping().Concat(OpCatalog.Indexing()).Concat(OpCatalog.Conv()).ToDictionary(c => c.Name);

    public static TheoryData<string> FirstOrder() => [.. Cases.Keys];

    public static TheoryData<string> SecondOrder() => [.. Cases.Values.Where(c => c.MaxOrder >= 2).Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(FirstOrder))]
    public void GradCheck_FirstOrder_MatchesFiniteDifferences(string name)
    {
        OpCase c = Cases[name];
        GradCheck.Assert(c.Function, c.Inputs(new Generator(42)), new GradCheckOptions(AbsoluteTolerance: c.Tolerance));
    }

    [Theory]
    [MemberData(nameof(SecondOrder))]
    public void GradCheck_SecondOrder_MatchesFiniteDifferences(string name)
    {
        OpCase c = Cases[name];
        GradCheck.AssertSecondOrder(c.Function, c.Inputs(new Generator(42)), new GradCheckOptions(AbsoluteTolerance: c.Tolerance));
    }
}
