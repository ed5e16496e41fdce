using AutoGrad.Ops;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>
/// Rewrites that keep every result equal: <c>x·1</c>, <c>1·x</c>, <c>x/1</c>, <c>x+0</c>, <c>0+x</c>, <c>x−0</c> and
/// <c>−(−x)</c> become <c>x</c> (only where the result has x's type, so no broadcast is lost); a transpose or permute of a
/// transpose or permute that restores the original order disappears; a reshape of a reshape becomes one reshape, and a
/// reshape or broadcast_to to the value's own shape disappears; a broadcast_to feeding a broadcasting elementwise op is
/// skipped, and a constant whose elements are all equal is replaced by a scalar, where the op's result type is unchanged.
/// </summary>
internal static class AlgebraicSimplification
{
    /// <summary>Runs the pass.</summary>
    public static Graph Run(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var builder = new GraphBuilder(graph);
        var nodeMap = new ValueRef[graph.Nodes.Length];
        for (int n = 0; n < graph.Nodes.Length; n++)
        {
            GraphNode node = graph.Nodes[n];
            GraphNode remapped = node.WithInputs([.. node.Inputs.Select(r => GraphBuilder.Map(r, nodeMap))]);
            nodeMap[n] = Simplify(builder, remapped) ?? builder.Add(remapped);
        }

        return DeadCodeElimination.Run(builder.Build(graph.Outputs.Select(r => GraphBuilder.Map(r, nodeMap))));
    }

    private static ValueRef? Simplify(GraphBuilder b, GraphNode node)
    {
        var inputs = node.Inputs;
        Op op = node.Op;
        bool SameType(ValueRef r) => b.TypeOf(r).Equals(node.Type);
        if (op.Effect != OpEffect.Pure)
        {
            return null;
        }

        if (inputs.Length == 2)
        {
            if (op.RightIdentity is { } right && b.IsFilledWith(inputs[1], right) && SameType(inputs[0]))
            {
                return inputs[0];
            }

            if (op.LeftIdentity is { } left && b.IsFilledWith(inputs[0], left) && SameType(inputs[1]))
            {
                return inputs[1];
            }
        }

        if (inputs.Length == 1)
        {
            GraphNode? inner = b.NodeOf(inputs[0]);
            if (op.IsInvolution && inner is not null && inner.Op.IsEquivalentTo(op) && inner.SymbolicAttributes.IsEmpty)
            {
                return inner.Inputs[0];
            }

            if ((op.ReinterpretsInput || op.IsBroadcast) && SameType(inputs[0]))
            {
                return inputs[0];
            }

            if (op.ReinterpretsInput && inner is { Op.ReinterpretsInput: true })
            {
                return b.TypeOf(inner.Inputs[0]).Equals(node.Type) ? inner.Inputs[0] : b.Add(node.WithInputs([inner.Inputs[0]]));
            }

            if (op.AxisPermutation is { } outer && inner?.Op.AxisPermutation is { } first
                && SameType(inner.Inputs[0]) && RestoresOrder(first, outer))
            {
                return inner.Inputs[0];
            }
        }

        if (node.Op is BinaryElementwiseOp && inputs.Length == 2)
        {
            return SimplifyBroadcastOperands(b, node);
        }

        return null;
    }

    /// <summary>Skips a broadcast_to feeding the op and shrinks a uniform constant operand to a scalar, when the result type is unchanged.</summary>
    private static ValueRef? SimplifyBroadcastOperands(GraphBuilder b, GraphNode node)
    {
        var inputs = node.Inputs.ToArray();
        bool changed = false;
        for (int i = 0; i < 2; i++)
        {
            ValueRef other = inputs[1 - i];
            ValueRef? smaller = null;
            if (b.NodeOf(inputs[i]) is { Op.IsBroadcast: true } broadcast)
            {
                smaller = broadcast.Inputs[0];
            }
            else if (b.FixedConstant(inputs[i]) is { Size: > 1 } constant && IsUniform(constant))
            {
                smaller = b.AddConstant(Tensor.Full(Shape.Scalar, constant.GetFlat(0), constant.DType));
            }

            if (smaller is { } candidate
                && TensorSpec.Broadcast(b.TypeOf(other).Dims, b.TypeOf(candidate).Dims) is { } dims
                && dims.SequenceEqual(node.Type.Dims))
            {
                inputs[i] = candidate;
                changed = true;
            }
        }

        if (!changed)
        {
            return null;
        }

        // The smaller operand may now be a constant one or zero, so the identity rules get another chance.
        GraphNode rewritten = node.WithInputs([.. inputs]);
        return Simplify(b, rewritten) ?? b.Add(rewritten);
    }

    private static bool IsUniform(Tensor constant)
    {
        double first = constant.GetFlat(0);
        for (int i = 1; i < constant.Size; i++)
        {
            if (constant.GetFlat(i) != first)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether permuting axes by <paramref name="first"/> and then by <paramref name="second"/> restores the original order.</summary>
    private static bool RestoresOrder(IReadOnlyList<int> first, IReadOnlyList<int> second)
    {
        if (first.Count != second.Count)
        {
            return false;
        }

        int rank = first.Count;
        for (int i = 0; i < rank; i++)
        {
            int axis = second[i] < 0 ? second[i] + rank : second[i];
            int back = first[axis] < 0 ? first[axis] + rank : first[axis];
            if (back != i)
            {
                return false;
            }
        }

        return true;
    }
}
