namespace AutoGrad.Onnx;

/// <summary>Names and metadata for an exported ONNX model.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// Names of the graph inputs, in order. Default: <c>input</c> for a single input, otherwise <c>input_0</c>,
    /// <c>input_1</c>, ….
    /// </summary>
    public IReadOnlyList<string>? InputNames { get; init; }

    /// <summary>
    /// Names of the graph outputs, in order. Default: <c>output</c> for a single output, otherwise <c>output_0</c>,
    /// <c>output_1</c>, … (for a gradient graph the forward outputs come first, then one gradient per input or
    /// parameter it was taken with respect to).
    /// </summary>
    public IReadOnlyList<string>? OutputNames { get; init; }

    /// <summary>The <c>dim_param</c> written for the symbolic batch axis <c>B</c> (a <c>k·B</c> axis is written <c>k*B</c>).</summary>
    public string BatchDimName { get; init; } = "B";

    /// <summary>The ONNX graph's name.</summary>
    public string GraphName { get; init; } = "autograd";
}
