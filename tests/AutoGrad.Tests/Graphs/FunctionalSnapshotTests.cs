using AutoGrad.Graphs;
using AutoGrad.NN;
using AutoGrad.NN.Functional;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;
using AutoGrad.Testing;

namespace AutoGrad.Tests.Graphs;

/// <summary>
/// The approved graph of a small two-input functional model (issue 14): a shared encoder applied to both inputs, their
/// difference and a head. The two matmuls reading the same kernel show that a shared layer is one set of weights.
/// </summary>
public class FunctionalSnapshotTests
{
    [Fact]
    public void TwoInputModel_Forward_MatchesSnapshot()
    {
        Generator.ManualSeed(3);
        var left = Input.Of(3, name: "left");
        var right = Input.Of(3, name: "right");
        var encoder = new Dense(2, "tanh", name: "encoder");
        var model = new FunctionalModel([left, right], [new Dense(1, name: "head").Call(encoder.Call(left) - encoder.Call(right))]);

        var graph = Graph.Trace(x => model.CallAll(x), new TensorSpec([Dim.B, 3]), new TensorSpec([Dim.B, 3]));

        GraphSnapshot.Match(graph, "two_towers", includeSummary: true);
    }
}
