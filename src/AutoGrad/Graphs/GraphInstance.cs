using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs;

/// <summary>A graph made concrete for one batch size: ops with batch-dependent attributes re-created, every node's type
/// resolved and checked against the op's own type inference, and batch-dependent constants evaluated.</summary>
internal sealed class GraphInstance
{
    private GraphInstance(DimBindings sizes, Op[] ops, TensorType[] types, Tensor[] constants)
    {
        Sizes = sizes;
        Ops = ops;
        Types = types;
        Constants = constants;
    }

    public DimBindings Sizes { get; }

    public Op[] Ops { get; }

    public TensorType[] Types { get; }

    public Tensor[] Constants { get; }

    public static GraphInstance Create(Graph graph, DimBindings batch)
    {
        var constants = new Tensor[graph.Constants.Length];
        for (int i = 0; i < constants.Length; i++)
        {
            GraphConstant constant = graph.Constants[i];
            constants[i] = constant.Resolve(batch);
            if (constant.IsSymbolic)
            {
                // A graph run inside a one-pass trace (inlined, or differentiated by Graph.Gradient) hands its
                // batch-dependent constants on as such.
                SymbolicExtents.MarkScaled(constants[i], batch, constant.Scaling == ConstantScaling.PerBatch, constant.Factor, constant.Unit);
            }
        }

        var ops = new Op[graph.Nodes.Length];
        var types = new TensorType[graph.Nodes.Length];
        for (int n = 0; n < ops.Length; n++)
        {
            GraphNode node = graph.Nodes[n];
            Op op = Instantiate(node, batch);
            var inputTypes = new TensorType[node.Inputs.Length];
            for (int i = 0; i < inputTypes.Length; i++)
            {
                ValueRef r = node.Inputs[i];
                inputTypes[i] = r.Kind switch
                {
                    ValueKind.Input => graph.Inputs[r.Index].Type.Resolve(batch),
                    ValueKind.Parameter => graph.Parameters[r.Index].Value.Type,
                    ValueKind.Constant => constants[r.Index].Type,
                    _ => types[r.Index],
                };
            }

            TensorType inferred = op.InferType(inputTypes);
            TensorType declared = node.Type.Resolve(batch);
            if (inferred != declared)
            {
                throw new InvalidOperationException(
                    $"Graph node {n} ('{op.Name}') at {batch.Describe()}: the op infers {inferred} from inputs ({string.Join(", ", inputTypes)}) " +
                    $"but the graph declares {node.Type} = {declared}. The graph's symbolic shapes do not hold at these sizes.");
            }

            ops[n] = op;
            types[n] = inferred;
        }

        return new GraphInstance(batch, ops, types, constants);
    }

    /// <summary>The node's op with its batch-dependent attributes set for <paramref name="batch"/> (through the op's own
    /// <see cref="Op.WithShapeAttribute"/>).</summary>
    public static Op Instantiate(GraphNode node, DimBindings batch)
    {
        Op op = node.Op;
        foreach (SymbolicAttribute attribute in node.SymbolicAttributes)
        {
            op = op.WithShapeAttribute(attribute.Key, Shape.FromOwned([.. attribute.Shape.Select(d => d.Resolve(batch))]));
        }

        return op;
    }

    /// <summary>Whether an op declares each of these attributes as a shape it can re-create per batch size.</summary>
    public static bool CanInstantiate(Op op, IEnumerable<string> keys) => keys.All(k => op.ShapeAttributes.Contains(k));

    public static string CannotInstantiateMessage(Op op, IEnumerable<string> keys) =>
        $"Op '{op.Name}' has attribute(s) {string.Join(", ", keys.Select(k => $"'{k}'"))} that depend on the batch size, but it declares " +
        $"{(op.ShapeAttributes.Count == 0 ? "no shape attributes" : "only " + string.Join(", ", op.ShapeAttributes.Select(k => $"'{k}'")))} as batch dependent " +
        "(Op.ShapeAttributes). Trace with a fixed-size input spec (TensorSpec.Fixed) instead.";
}
