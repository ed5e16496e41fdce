using AutoGrad.Graphs;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;
using AutoGrad.Testing;

namespace AutoGrad.Tests.Graphs;

/// <summary>
/// Approved graphs of one LSTM step, one attention layer and one Transformer encoder block, forward and gradient
/// (issue 14): the unrolled gate arithmetic, the masked softmax and the block's residual adds and layer norms are
/// visible, so a change to any of these layers or to a rule they use shows as a diff.
/// </summary>
public class SequenceSnapshotTests
{
    public static TheoryData<string> Blocks => ["lstm_step", "attention_block", "encoder_block"];

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Forward_MatchesSnapshot(string block) => GraphSnapshot.Match(Trace(block), block, includeSummary: true);

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Gradient_MatchesSnapshot(string block) => GraphSnapshot.Match(Trace(block).Gradient(), block);

    private static Graph Trace(string block)
    {
        Generator.ManualSeed(3);
        (Layer layer, TensorSpec input) = block switch
        {
            // One time step: [B, 1, 3] → the last hidden state [B, 2].
            "lstm_step" => ((Layer)new Lstm(2, name: "lstm"), new TensorSpec([Dim.B, 1, 3])),
            // Causal self-attention over 3 tokens of width 4, 2 heads.
            "attention_block" => (new MultiHeadAttention(2, 4, causal: true, name: "attention"), new TensorSpec([Dim.B, 3, 4])),
            // The MNIST transformer's block in miniature: post-norm, no mask, 2 heads of width 2, an MLP of width 8.
            _ => (new TransformerEncoderBlock(4, numHeads: 2, mlpDim: 8, name: "encoder"), new TensorSpec([Dim.B, 3, 4])),
        };
        layer.Build(new Shape([.. input.Dims.Skip(1).Select(d => d.Value)]));
        return Graph.Trace(x => layer.Call(x).Sum(), input);
    }
}
