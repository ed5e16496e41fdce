using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Passes;

/// <summary>Builds a rewritten copy of a graph: the same inputs, the parameters and constants (more may be added), and new nodes.</summary>
internal sealed class GraphBuilder
{
    private readonly Graph source;

    public GraphBuilder(Graph source)
    {
        this.source = source;
        Parameters = [.. source.Parameters];
        Constants = [.. source.Constants];
    }

    public List<GraphParameter> Parameters { get; }

    public List<GraphConstant> Constants { get; }

    public List<GraphNode> Nodes { get; } = [];

    public TensorSpec TypeOf(ValueRef value) => value.Kind switch
    {
        ValueKind.Input => source.Inputs[value.Index].Type,
        ValueKind.Parameter => Parameters[value.Index].Type,
        ValueKind.Constant => Constants[value.Index].Type,
        _ => Nodes[value.Index].Type,
    };

    public GraphNode? NodeOf(ValueRef value) => value.Kind == ValueKind.Node ? Nodes[value.Index] : null;

    /// <summary>The constant's value when it is a fixed (not batch-dependent) constant.</summary>
    public Tensor? FixedConstant(ValueRef value) =>
        value.Kind == ValueKind.Constant && !Constants[value.Index].IsSymbolic ? Constants[value.Index].Value : null;

    public ValueRef Add(GraphNode node)
    {
        Nodes.Add(node);
        return ValueRef.Node(Nodes.Count - 1);
    }

    public ValueRef AddConstant(Tensor value)
    {
        Constants.Add(new GraphConstant(value));
        return ValueRef.Constant(Constants.Count - 1);
    }

    public Graph Build(IEnumerable<ValueRef> outputs) => new(source.Inputs, [.. Parameters], [.. Constants], [.. Nodes], [.. outputs], source.OutputNames);

    /// <summary>
    /// A copy of <paramref name="graph"/> where node n is <paramref name="replacements"/>[n] when that is set and is left
    /// out when <paramref name="dropped"/>[n] is (a fusion pass's result: the nodes it absorbed are read by nothing left).
    /// </summary>
    public static Graph Replace(Graph graph, GraphNode?[] replacements, bool[] dropped)
    {
        var builder = new GraphBuilder(graph);
        var nodeMap = new ValueRef[graph.Nodes.Length];
        for (int n = 0; n < nodeMap.Length; n++)
        {
            if (dropped[n])
            {
                continue;
            }

            GraphNode node = replacements[n] ?? graph.Nodes[n];
            nodeMap[n] = builder.Add(node.WithInputs([.. node.Inputs.Select(r => Map(r, nodeMap))]));
        }

        return builder.Build(graph.Outputs.Select(r => Map(r, nodeMap)));
    }

    /// <summary>Maps a reference to an old node through <paramref name="nodeMap"/>; other references are unchanged.</summary>
    public static ValueRef Map(ValueRef value, ValueRef[] nodeMap) => value.Kind == ValueKind.Node ? nodeMap[value.Index] : value;

    /// <summary>Whether every element of a fixed constant equals <paramref name="value"/>.</summary>
    public bool IsFilledWith(ValueRef value, double expected)
    {
        Tensor? constant = FixedConstant(value);
        if (constant is null)
        {
            return false;
        }

        for (int i = 0; i < constant.Size; i++)
        {
            if (constant.GetFlat(i) != expected)
            {
                return false;
            }
        }

        return true;
    }
}
