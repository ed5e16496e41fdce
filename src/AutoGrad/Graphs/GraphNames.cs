namespace AutoGrad.Graphs;

/// <summary>
/// The printed name of every value: parameters by their layer path, small constants inline, and everything else a letter
/// name (a, b, …, z, ba, bb, …) given in definition order — inputs, then large constants, then nodes — so that the same
/// graph prints the same text on every run and machine.
/// </summary>
internal sealed class GraphNames
{
    private readonly string[] inputs;
    private readonly string[] parameters;
    private readonly string[] constants;
    private readonly string[] nodes;

    public GraphNames(Graph graph)
    {
        var taken = new HashSet<string>(graph.Parameters.Select(p => p.Name));
        int next = 0;
        string Fresh()
        {
            string name;
            do
            {
                name = Letters(next++);
            }
            while (taken.Contains(name));
            return name;
        }

        inputs = [.. graph.Inputs.Select(_ => Fresh())];
        parameters = [.. graph.Parameters.Select(p => p.Name)];
        constants = new string[graph.Constants.Length];
        InlineConstant = new bool[graph.Constants.Length];
        for (int i = 0; i < constants.Length; i++)
        {
            string? inline = graph.Constants[i].InlineText();
            InlineConstant[i] = inline is not null;
            constants[i] = inline ?? Fresh();
        }

        nodes = [.. graph.Nodes.Select(_ => Fresh())];
    }

    /// <summary>Whether each constant is printed inline (true) or declared with a letter name.</summary>
    public bool[] InlineConstant { get; }

    public string this[ValueRef value] => value.Kind switch
    {
        ValueKind.Input => inputs[value.Index],
        ValueKind.Parameter => parameters[value.Index],
        ValueKind.Constant => constants[value.Index],
        _ => nodes[value.Index],
    };

    /// <summary>Bijective base-26 with 'a' as the zero digit after the first place, like jaxpr: a … z, ba, bb, ….</summary>
    public static string Letters(int index)
    {
        if (index < 26)
        {
            return ((char)('a' + index)).ToString();
        }

        var chars = new Stack<char>();
        while (index > 0)
        {
            chars.Push((char)('a' + (index % 26)));
            index /= 26;
        }

        return new string([.. chars]);
    }
}
