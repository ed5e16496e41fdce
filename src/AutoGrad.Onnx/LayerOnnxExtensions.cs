using AutoGrad.Graphs;
using AutoGrad.NN;
using AutoGrad.Tensors;

namespace AutoGrad.Onnx;

/// <summary>ONNX export of a model in one call: trace it for an input spec, then write the graph.</summary>
public static class LayerOnnxExtensions
{
    /// <summary>
    /// Traces <paramref name="model"/> in evaluation mode (dropout off, batch norm on its running statistics) for inputs of
    /// type <paramref name="input"/> and writes the forward graph as ONNX (see <see cref="GraphOnnxExtensions.ToOnnx"/>).
    /// The model's mode is restored afterwards; lazily built layers are built for the spec first.
    /// </summary>
    /// <param name="model">The model or layer.</param>
    /// <param name="path">The file to write (replaced atomically).</param>
    /// <param name="input">The input type, e.g. <c>TensorSpec.Batched(784)</c>; a <c>B</c> axis becomes ONNX's symbolic batch.</param>
    /// <param name="options">Value names and metadata; null for the defaults.</param>
    /// <returns>The traced forward graph that was written.</returns>
    /// <exception cref="NotSupportedException">An op has no ONNX counterpart; the message names the op and the node index.</exception>
    public static Graph ToOnnx(this Layer model, string path, TensorSpec input, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            model.Build(new Shape([.. input.Dims.Skip(1).Select(d => d.IsSymbolic ? 1 : d.Value)]), input.DType);
            Graph graph = Graph.Trace(x => model.Call(x), input);
            graph.ToOnnx(path, options);
            return graph;
        }
        finally
        {
            model.Train(wasTraining);
        }
    }
}
