using System.Globalization;
using System.Text;

namespace AutoGrad.Graphs;

public sealed partial class Graph
{
    /// <summary>
    /// The graph as text in the spirit of a jaxpr: typed inputs, parameters and large constants, then one line per node such as
    /// <c>c:f32[B,128] = matmul a dense1.kernel</c> with attributes sorted by name, then the outputs. Names follow
    /// definition order and no object identity appears, so the same graph gives the same text on every run and machine.
    /// Lines end with <c>\n</c>.
    /// </summary>
    public override string ToString()
    {
        var names = new GraphNames(this);
        var text = new StringBuilder();
        text.Append("inputs ").AppendJoin(' ', Inputs.Select((input, i) => $"{names[ValueRef.Input(i)]}:{input.Type}")).Append('\n');
        if (Parameters.Length > 0)
        {
            text.Append("params ").AppendJoin(' ', Parameters.Select(p => $"{p.Name}:{p.Type}")).Append('\n');
        }

        var declared = Enumerable.Range(0, Constants.Length).Where(i => !names.InlineConstant[i]).ToList();
        if (declared.Count > 0)
        {
            text.Append("consts ").AppendJoin(' ', declared.Select(i => $"{names[ValueRef.Constant(i)]}:{Constants[i].Type}")).Append('\n');
        }

        for (int n = 0; n < Nodes.Length; n++)
        {
            text.Append("  ").Append(NodeLine(names, n)).Append('\n');
        }

        text.Append("outputs ").AppendJoin(' ', Outputs.Select((o, i) => OutputNames[i] is { } name ? $"{name}={names[o]}" : names[o])).Append('\n');
        return text.ToString();
    }

    /// <summary>The Graphviz DOT source: inputs as ellipses, parameters as shaded boxes, large constants grey, one box per node with its op and type.</summary>
    public string ToDot()
    {
        var names = new GraphNames(this);
        var dot = new StringBuilder();
        dot.Append("digraph graph_ {\n  rankdir=TB;\n  node [fontname=\"monospace\", fontsize=10];\n");
        for (int i = 0; i < Inputs.Length; i++)
        {
            dot.Append(CultureInfo.InvariantCulture, $"  {Quote(names[ValueRef.Input(i)])} [label={Quote($"{names[ValueRef.Input(i)]}\n{Inputs[i].Type}")}, shape=ellipse, style=filled, fillcolor=\"#dbeafe\"];\n");
        }

        for (int i = 0; i < Parameters.Length; i++)
        {
            dot.Append(CultureInfo.InvariantCulture, $"  {Quote(Parameters[i].Name)} [label={Quote($"{Parameters[i].Name}\n{Parameters[i].Type}")}, shape=box, style=\"rounded,filled\", fillcolor=\"#fde68a\"];\n");
        }

        for (int i = 0; i < Constants.Length; i++)
        {
            if (!names.InlineConstant[i])
            {
                string name = names[ValueRef.Constant(i)];
                dot.Append(CultureInfo.InvariantCulture, $"  {Quote(name)} [label={Quote($"{name} (const)\n{Constants[i].Type}")}, shape=box, style=filled, fillcolor=\"#e5e7eb\"];\n");
            }
        }

        for (int n = 0; n < Nodes.Length; n++)
        {
            GraphNode node = Nodes[n];
            string name = names[ValueRef.Node(n)];
            string inline = string.Concat(node.Inputs.Where(r => IsInline(names, r)).Select(r => " " + names[r]));
            dot.Append(CultureInfo.InvariantCulture, $"  {Quote(name)} [label={Quote($"{name} = {OpText(node)}{inline}\n{node.Type}")}, shape=box];\n");
            foreach (ValueRef input in node.Inputs.Where(r => !IsInline(names, r)))
            {
                dot.Append(CultureInfo.InvariantCulture, $"  {Quote(names[input])} -> {Quote(name)};\n");
            }
        }

        for (int i = 0; i < Outputs.Length; i++)
        {
            dot.Append(CultureInfo.InvariantCulture, $"  {Quote($"output {i}")} [shape=plaintext];\n  {Quote(names[Outputs[i]])} -> {Quote($"output {i}")};\n");
        }

        return dot.Append("}\n").ToString();
    }

    /// <summary>A Mermaid flowchart (renders in GitHub markdown with nothing installed): inputs as stadiums, parameters styled
    /// with the <c>param</c> class, one box per node with its op and type.</summary>
    public string ToMermaid()
    {
        var names = new GraphNames(this);
        var ids = new Dictionary<ValueRef, string>();
        string Id(ValueRef r) => ids.TryGetValue(r, out var id) ? id : ids[r] = r.Kind switch
        {
            ValueKind.Parameter => $"p{r.Index}",
            ValueKind.Constant => $"k{r.Index}",
            ValueKind.Input => $"i{r.Index}",
            _ => $"n{r.Index}",
        };

        var text = new StringBuilder("flowchart TD\n");
        for (int i = 0; i < Inputs.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {Id(ValueRef.Input(i))}([\"{names[ValueRef.Input(i)]}: {Inputs[i].Type}\"])\n");
        }

        for (int i = 0; i < Parameters.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {Id(ValueRef.Parameter(i))}[/\"{Parameters[i].Name}: {Parameters[i].Type}\"/]:::param\n");
        }

        for (int i = 0; i < Constants.Length; i++)
        {
            if (!names.InlineConstant[i])
            {
                text.Append(CultureInfo.InvariantCulture, $"  {Id(ValueRef.Constant(i))}[\"{names[ValueRef.Constant(i)]}: const {Constants[i].Type}\"]:::const\n");
            }
        }

        for (int n = 0; n < Nodes.Length; n++)
        {
            GraphNode node = Nodes[n];
            string inline = string.Concat(node.Inputs.Where(r => IsInline(names, r)).Select(r => " " + names[r]));
            text.Append(CultureInfo.InvariantCulture, $"  {Id(ValueRef.Node(n))}[\"{names[ValueRef.Node(n)]} = {OpText(node).Replace("\"", "'", StringComparison.Ordinal)}{inline}<br/>{node.Type}\"]\n");
            foreach (ValueRef input in node.Inputs.Where(r => !IsInline(names, r)))
            {
                text.Append(CultureInfo.InvariantCulture, $"  {Id(input)} --> {Id(ValueRef.Node(n))}\n");
            }
        }

        for (int i = 0; i < Outputs.Length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {Id(Outputs[i])} --> out{i}((\"output {i}\"))\n");
        }

        text.Append("  classDef param fill:#fde68a,stroke:#b45309\n  classDef const fill:#e5e7eb,stroke:#6b7280\n");
        return text.ToString();
    }

    private string NodeLine(GraphNames names, int n)
    {
        GraphNode node = Nodes[n];
        var line = new StringBuilder();
        line.Append(names[ValueRef.Node(n)]).Append(':').Append(node.Type).Append(" = ").Append(OpText(node));
        foreach (ValueRef input in node.Inputs)
        {
            line.Append(' ').Append(names[input]);
        }

        return line.ToString();
    }

    private static string OpText(GraphNode node)
    {
        var attributes = node.FormattedAttributes();
        return attributes.Count == 0 ? node.Op.Name : $"{node.Op.Name}[{string.Join(", ", attributes.Select(a => $"{a.Key}={a.Value}"))}]";
    }

    private static bool IsInline(GraphNames names, ValueRef r) => r.Kind == ValueKind.Constant && names.InlineConstant[r.Index];

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
