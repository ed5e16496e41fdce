using AutoGrad.Graphs;
using AutoGrad.Testing;

namespace AutoGrad.Tests.Graphs;

/// <summary>
/// Approved text of the forward and gradient graphs of each reference model, before and after optimization. A change
/// to tracing, printing, a gradient rule or a pass shows up here as a readable diff; review it before approving.
/// </summary>
public class GraphSnapshotTests
{
    public static TheoryData<string> Models => [.. TestModel.Names];

    [Theory]
    [MemberData(nameof(Models))]
    public void ForwardGraph_Traced_MatchesSnapshot(string model) =>
        GraphSnapshot.Match(TestModel.Create(model).Trace(), model, includeSummary: true);

    [Theory]
    [MemberData(nameof(Models))]
    public void ForwardGraph_Optimized_MatchesSnapshot(string model) =>
        GraphSnapshot.Match(TestModel.Create(model).Trace().Optimize(), model);

    [Theory]
    [MemberData(nameof(Models))]
    public void GradientGraph_Traced_MatchesSnapshot(string model) =>
        GraphSnapshot.Match(TestModel.Create(model).Trace().Gradient(), model);

    [Theory]
    [MemberData(nameof(Models))]
    public void GradientGraph_Optimized_MatchesSnapshot(string model) =>
        GraphSnapshot.Match(TestModel.Create(model).Trace().Gradient().Optimize(), model);
}
