namespace AutoGrad.Tensors;

/// <summary>The static type of a tensor: its shape and element type. Printed like a jaxpr type: <c>f32[2,3]</c>.</summary>
/// <param name="Shape">The extent of each axis.</param>
/// <param name="DType">The element type.</param>
public readonly record struct TensorType(Shape Shape, DType DType)
{
    /// <summary>Compact form used in graph text and error messages, e.g. <c>f32[64,784]</c> or <c>f64[]</c>.</summary>
    public override string ToString() => $"{DType.ShortName()}[{string.Join(",", Shape.ToArray())}]";
}
