using AutoGrad.NN.Functional;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>
/// The calls of a layer beyond <see cref="Layer.Call"/>'s one tensor: several tensors (merge layers, lambdas and
/// functional models with several inputs), and symbolic tensors, which build a <see cref="FunctionalModel"/>'s graph.
/// </summary>
public static class LayerCalls
{
    /// <summary>
    /// Calls a layer that takes several inputs (<see cref="Layers.Add"/>, <see cref="Layers.Concatenate"/>, a
    /// <see cref="Layers.Lambda"/> of several tensors, a <see cref="FunctionalModel"/> with several inputs and one output)
    /// on concrete tensors.
    /// </summary>
    /// <exception cref="ArgumentException">The layer takes a different number of inputs, or produces several outputs
    /// (use <see cref="FunctionalModel.CallAll(Tensor[])"/>).</exception>
    public static Tensor Call(this Layer layer, params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(inputs);
        Tensor[] outputs = layer.CallCore(inputs);
        return outputs.Length == 1
            ? outputs[0]
            : throw new ArgumentException($"{layer.GetType().Name} '{layer.Name}' produces {outputs.Length} outputs; call CallAll to get all of them.");
    }

    /// <summary>
    /// Calls a layer on a symbolic tensor (from <see cref="Input.Of(int, string?, DType)"/> or another layer's symbolic
    /// output), recording a node of a functional model's graph instead of computing values — Keras' <c>layer(x)</c> on a
    /// <c>KerasTensor</c>. The layer is built from the input's shape now (lazy parameters are created) and the output's shape
    /// is inferred. Calling the same layer again records another node that shares its weights.
    /// </summary>
    /// <exception cref="ArgumentException">The shape does not fit the layer (the layer's own message, with the symbolic shapes).</exception>
    public static SymbolicTensor Call(this Layer layer, SymbolicTensor input)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return SymbolicTensor.Apply(layer, [input]);
    }

    /// <summary>Calls a layer that takes several inputs (<see cref="Layers.Add"/>, <see cref="Layers.Concatenate"/>, …) on
    /// symbolic tensors; see <see cref="Call(Layer, SymbolicTensor)"/>.</summary>
    public static SymbolicTensor Call(this Layer layer, params SymbolicTensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return SymbolicTensor.Apply(layer, inputs);
    }
}
