using AutoGrad.Graphs;
using AutoGrad.IO;
using Google.Protobuf;

namespace AutoGrad.Onnx;

/// <summary>ONNX export of AutoGrad graphs: forward graphs and gradient graphs (<see cref="Graph.Gradient"/>) alike.</summary>
public static class GraphOnnxExtensions
{
    /// <summary>
    /// Writes <paramref name="graph"/> as an ONNX model (IR 8, opset 17, standard <c>ai.onnx</c> ops only) that ONNX Runtime
    /// and other engines run: inputs keep their types with the symbolic batch axis written as <c>dim_param</c>
    /// <see cref="OnnxExportOptions.BatchDimName"/>, parameters become initializers named by their layer path, constants
    /// become <c>Constant</c> nodes (batch-dependent ones such as the <c>1/B</c> of a mean are computed from the input's
    /// shape), and fused nodes are expanded back into one standard op per instruction. The file is replaced atomically.
    /// </summary>
    /// <param name="graph">The graph; a gradient graph exports like any other (its outputs are the forward outputs, then the gradients).</param>
    /// <param name="path">The file to write.</param>
    /// <param name="options">Value names and metadata; null for the defaults.</param>
    /// <exception cref="NotSupportedException">A node's op has no ONNX counterpart (such as <c>dropout_mask</c>); the message names the op and the node index.</exception>
    /// <exception cref="ArgumentException">Input, output and parameter names collide or are empty.</exception>
    public static void ToOnnx(this Graph graph, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = graph.ToOnnxBytes(options);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>The ONNX model of <paramref name="graph"/> as bytes; see <see cref="ToOnnx"/>.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="options">Value names and metadata; null for the defaults.</param>
    /// <returns>The serialized <c>ModelProto</c>.</returns>
    /// <exception cref="NotSupportedException">A node's op has no ONNX counterpart; the message names the op and the node index.</exception>
    public static byte[] ToOnnxBytes(this Graph graph, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return OnnxExporter.Export(graph, options ?? new OnnxExportOptions()).ToByteArray();
    }

    /// <summary>The AutoGrad op names the exporter translates, each with the ONNX op(s) it becomes.</summary>
    public static IReadOnlyDictionary<string, string> ExportableOps => OnnxExporter.OpTable;
}
