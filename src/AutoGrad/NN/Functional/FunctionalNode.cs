namespace AutoGrad.NN.Functional;

/// <summary>One call of a layer on symbolic tensors: the edge of a functional model's graph (Keras' <c>Node</c>).</summary>
internal sealed class FunctionalNode(Layer layer, SymbolicTensor[] inputs)
{
    public Layer Layer { get; } = layer;

    /// <summary>The tensors the layer was called on, in call order.</summary>
    public SymbolicTensor[] Inputs { get; } = inputs;

    /// <summary>The tensors the call produced (set right after the node is created).</summary>
    public SymbolicTensor[] Outputs { get; internal set; } = [];
}
