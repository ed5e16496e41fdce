using System.Collections.Immutable;
using AutoGrad.Ops;

namespace AutoGrad.Graphs;

/// <summary>An attribute of a node whose value depends on the batch size, such as the target shape of a reshape.</summary>
/// <param name="Key">The attribute name as the op reports it in <see cref="Op.Attributes"/>.</param>
/// <param name="Shape">The symbolic shape; resolved for each batch size before the node runs.</param>
public sealed record SymbolicAttribute(string Key, ImmutableArray<Dim> Shape);

/// <summary>
/// One operation in a graph: the same <see cref="Op"/> object eager mode uses (so forward, type inference and gradient rule
/// have one source of truth), the values it reads, and its output type.
/// </summary>
public sealed class GraphNode
{
    internal GraphNode(Op op, ImmutableArray<ValueRef> inputs, TensorSpec type, ImmutableArray<SymbolicAttribute> symbolicAttributes = default)
    {
        Op = op;
        Inputs = inputs;
        Type = type;
        SymbolicAttributes = symbolicAttributes.IsDefault ? [] : symbolicAttributes;
    }

    /// <summary>The operation, with concrete attributes for the batch size the graph was traced at.</summary>
    public Op Op { get; }

    /// <summary>The values the op reads, in order.</summary>
    public ImmutableArray<ValueRef> Inputs { get; }

    /// <summary>The output type.</summary>
    public TensorSpec Type { get; }

    /// <summary>Attributes that depend on the batch size; they override the op's concrete ones when printed and are
    /// re-instantiated for each batch size before running.</summary>
    public ImmutableArray<SymbolicAttribute> SymbolicAttributes { get; }

    /// <summary>The printed attributes: the op's, with batch-dependent ones in symbolic form, sorted by name.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> FormattedAttributes()
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var attribute in Op.Attributes)
        {
            SymbolicAttribute? symbolic = SymbolicAttributes.FirstOrDefault(s => s.Key == attribute.Key);
            string value = symbolic is null ? AttributeFormatter.Format(attribute.Value) : TensorSpec.FormatShape(symbolic.Shape);
            result.Add(new(attribute.Key, value));
        }

        result.Sort((x, y) => string.CompareOrdinal(x.Key, y.Key));
        return result;
    }

    /// <summary>Whether two nodes compute the same function of their inputs (same op, same attributes, symbolic ones included).</summary>
    public bool ComputesSameAs(GraphNode other) =>
        Op.IsEquivalentTo(other.Op)
        && SymbolicAttributes.Length == other.SymbolicAttributes.Length
        && SymbolicAttributes.Zip(other.SymbolicAttributes).All(p => p.First.Key == p.Second.Key && p.First.Shape.SequenceEqual(p.Second.Shape));

    /// <summary>A copy reading different inputs.</summary>
    internal GraphNode WithInputs(ImmutableArray<ValueRef> inputs) => new(Op, inputs, Type, SymbolicAttributes);

    /// <inheritdoc/>
    public override string ToString() => $"{Type} = {Op.Name}";
}
