namespace AutoGrad.Graphs;

/// <summary>Where a graph value lives.</summary>
public enum ValueKind
{
    /// <summary>A placeholder the caller supplies on every run.</summary>
    Input,

    /// <summary>A named tensor captured by reference (a layer's weight); read at run time, so updates are seen.</summary>
    Parameter,

    /// <summary>An unnamed captured tensor whose value the graph treats as fixed.</summary>
    Constant,

    /// <summary>The result of a node.</summary>
    Node,
}

/// <summary>A reference to a graph value: its kind and its index in <see cref="Graph.Inputs"/>, <see cref="Graph.Parameters"/>,
/// <see cref="Graph.Constants"/> or <see cref="Graph.Nodes"/>.</summary>
/// <param name="Kind">Which list the value is in.</param>
/// <param name="Index">Its position in that list.</param>
public readonly record struct ValueRef(ValueKind Kind, int Index)
{
    /// <summary>Input <paramref name="index"/>.</summary>
    public static ValueRef Input(int index) => new(ValueKind.Input, index);

    /// <summary>Parameter <paramref name="index"/>.</summary>
    public static ValueRef Parameter(int index) => new(ValueKind.Parameter, index);

    /// <summary>Constant <paramref name="index"/>.</summary>
    public static ValueRef Constant(int index) => new(ValueKind.Constant, index);

    /// <summary>The result of node <paramref name="index"/>.</summary>
    public static ValueRef Node(int index) => new(ValueKind.Node, index);
}
