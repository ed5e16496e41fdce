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
public static class AlgebraicSimplification
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
        bool SameType(ValueRef r) => b.TypeOf(r).Equals(node.Type);
        switch (node.Op.Name)
        {
            case "mul" when b.IsFilledWith(inputs[1], 1) && SameType(inputs[0]):
            case "div" when b.IsFilledWith(inputs[1], 1) && SameType(inputs[0]):
            case "add" when b.IsFilledWith(inputs[1], 0) && SameType(inputs[0]):
            case "sub" when b.IsFilledWith(inputs[1], 0) && SameType(inputs[0]):
                return inputs[0];
            case "mul" when b.IsFilledWith(inputs[0], 1) && SameType(inputs[1]):
            case "add" when b.IsFilledWith(inputs[0], 0) && SameType(inputs[1]):
                return inputs[1];
            case "neg" when b.NodeOf(inputs[0]) is { Op.Name: "neg" } inner:
                return inner.Inputs[0];
            case "reshape" or "broadcast_to" when SameType(inputs[0]):
                return inputs[0];
            case "reshape" when b.NodeOf(inputs[0]) is { Op.Name: "reshape" } inner:
                return b.TypeOf(inner.Inputs[0]).Equals(node.Type) ? inner.Inputs[0] : b.Add(node.WithInputs([inner.Inputs[0]]));
            case "transpose" or "permute" when b.NodeOf(inputs[0]) is { Op.Name: "transpose" or "permute" } inner
                && SameType(inner.Inputs[0]) && RestoresOrder(inner.Op, node.Op):
                return inner.Inputs[0];
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
            if (b.NodeOf(inputs[i]) is { Op.Name: "broadcast_to" } broadcast)
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

    /// <summary>
    /// Whether applying <paramref name="first"/> then <paramref name="second"/> restores the axis order. Ops with an axis
    /// permutation attribute are composed; two equal ops without one swap the same pair of axes, an involution.
    /// </summary>
    private static bool RestoresOrder(Op first, Op second)
    {
        int[]? p1 = Permutation(first), p2 = Permutation(second);
        if (p1 is not null && p2 is not null)
        {
            if (p1.Length != p2.Length)
            {
                return false;
            }

            for (int i = 0; i < p2.Length; i++)
            {
                int axis = p2[i] < 0 ? p2[i] + p2.Length : p2[i];
                int back = p1[axis] < 0 ? p1[axis] + p1.Length : p1[axis];
                if (back != i)
                {
                    return false;
                }
            }

            return true;
        }

        return p1 is null && p2 is null && first.Name == "transpose" && second.Name == "transpose" && first.IsEquivalentTo(second);
    }

    private static int[]? Permutation(Op op) =>
        op.Attributes.Select(a => a.Value).OfType<int[]>().FirstOrDefault(p => p.Length > 2 || op.Name == "permute");
}
