using System.Collections.Immutable;
using AutoGrad.Ops;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// Fuses a product (an op with the <see cref="IEpilogueProducer"/> trait whose inputs it accepts: a 2-D matrix product,
/// a convolution, a max-pooling gradient) with the elementwise node that consumes it — a <c>fused_elementwise</c>
/// program or a single lane op — into one <see cref="FusedEpilogueOp"/>, so the bias add and activation of a dense
/// layer, the ReLU after a convolution, or the ReLU mask on the gradient dY·W2ᵀ or under a max pooling, run on each
/// block of the product as the kernel finishes it.
/// Runs after <see cref="ElementwiseFusion"/>.
/// </summary>
/// <remarks>
/// A product is fused only when the consumer is its only reader and it is not a graph output (a value something else
/// needs, such as a gradient rule reading it, must stay in memory), the consumer keeps its type, every other operand of
/// the consumer is the product's shape or one value, or, for a 2-D product, a row ([n] or [1, n]) or a column ([m, 1]), every op of the program
/// has a lane (<see cref="ILaneOp"/>), and no op writing state lies between the two (the product would read a parameter
/// after its update).
/// </remarks>
internal static class GemmEpilogueFusion
{
    // Longer programs are rare; the epilogue keeps one segment-sized intermediate per instruction on the stack.
    private const int MaxInstructions = 32;

    /// <summary>Runs the pass.</summary>
    public static Graph Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int count = graph.Nodes.Length;
        int[] uses = FusionCounts.Uses(graph);
        int[] effectsBefore = FusionCounts.StateWritesBefore(graph);

        var absorbed = new bool[count];
        var fused = new GraphNode?[count];
        for (int n = 0; n < count; n++)
        {
            GraphNode node = graph.Nodes[n];
            if (ProgramOf(node) is not { } program || !node.Type.DType.IsFloatingPoint() || !node.SymbolicAttributes.IsEmpty)
            {
                continue;
            }

            int productSlot = ProductSlot(graph, node, n, uses, effectsBefore, absorbed);
            if (productSlot < 0)
            {
                continue;
            }

            int producerIndex = node.Inputs[productSlot].Index;
            GraphNode producer = graph.Nodes[producerIndex];

            // x0 is the product; the consumer's other inputs follow the producer's, once each.
            var extras = new List<ValueRef>();
            var renumbered = new int[node.Inputs.Length];
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                if (node.Inputs[i] == node.Inputs[productSlot])
                {
                    renumbered[i] = 0;
                    continue;
                }

                int x = extras.IndexOf(node.Inputs[i]);
                if (x < 0)
                {
                    extras.Add(node.Inputs[i]);
                    x = extras.Count - 1;
                }

                renumbered[i] = x + 1;
            }

            var epilogue = program.Select(instruction => instruction with
            {
                Operands = [.. instruction.Operands.Select(o => o.IsTemporary ? o : new FusedOperand(false, renumbered[o.Index]))],
            }).ToImmutableArray();
            var op = new FusedEpilogueOp(producer.Op, producer.Inputs.Length, epilogue);
            fused[n] = new GraphNode(op, [.. producer.Inputs, .. extras], node.Type);
            absorbed[producerIndex] = true;
        }

        return GraphBuilder.Replace(graph, fused, absorbed);
    }

    /// <summary>The node's elementwise program over its inputs, or null when it is not one whose every op has a lane.</summary>
    private static ImmutableArray<FusedInstruction>? ProgramOf(GraphNode node)
    {
        ImmutableArray<FusedInstruction> program;
        if (node.Op is FusedElementwiseOp fusedOp)
        {
            program = fusedOp.Program;
        }
        else if (FusedElementwiseOp.IsFusable(node.Op, node.Inputs.Length))
        {
            program = [new FusedInstruction(node.Op, [.. Enumerable.Range(0, node.Inputs.Length).Select(i => new FusedOperand(false, i))])];
        }
        else
        {
            return null;
        }

        return program.Length <= MaxInstructions && program.All(i => i.Op is ILaneOp) ? program : null;
    }

    /// <summary>The position among the consumer's inputs of a product it can absorb, or −1.</summary>
    private static int ProductSlot(Graph graph, GraphNode node, int n, int[] uses, int[] effectsBefore, bool[] absorbed)
    {
        for (int slot = 0; slot < node.Inputs.Length; slot++)
        {
            ValueRef input = node.Inputs[slot];
            if (input.Kind != ValueKind.Node || absorbed[input.Index] || node.Inputs.IndexOf(input) != slot)
            {
                continue;
            }

            GraphNode producer = graph.Nodes[input.Index];
            bool onlyReader = uses[input.Index] == node.Inputs.Count(i => i == input);
            if (producer.Op is not IEpilogueProducer candidate
                || !onlyReader
                || !producer.SymbolicAttributes.IsEmpty
                || !producer.Type.Equals(node.Type)
                || effectsBefore[n] != effectsBefore[input.Index]
                || !candidate.AcceptsEpilogue([.. producer.Inputs.Select(i => graph.TypeOf(i).Rank)]))
            {
                continue;
            }

            if (node.Inputs.All(i => i == input || Broadcasts(graph.TypeOf(i), producer.Type)))
            {
                return slot;
            }
        }

        return -1;
    }

    /// <summary>Whether an operand is read as one of the epilogue's patterns over a product of type <paramref name="product"/>
    /// at every batch size: the product's type, one value, or, for a 2-D product, a row or a column.</summary>
    private static bool Broadcasts(TensorSpec operand, TensorSpec product)
    {
        if (operand.DType != product.DType)
        {
            return false;
        }

        if (operand.Equals(product) || (operand.Rank <= 2 && operand.Dims.All(d => d.Equals(Dim.Fixed(1)))))
        {
            return true;
        }

        if (product.Rank != 2)
        {
            return false;
        }

        Dim m = product.Dims[0], n = product.Dims[1], one = Dim.Fixed(1);
        return operand.Dims.ToArray() switch
        {
            [Dim c] => c.Equals(n),
            [Dim r, Dim c] => (r.Equals(one) && c.Equals(n)) || (r.Equals(m) && c.Equals(one)),
            _ => false,
        };
    }
}
