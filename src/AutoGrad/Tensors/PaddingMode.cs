namespace AutoGrad.Tensors;

/// <summary>
/// What fills the border that padding adds, as PyTorch's <c>padding_mode</c> / <c>F.pad(mode=…)</c>: zeros, the input
/// mirrored at its edge without repeating the edge value (<c>reflect</c>: [a b c d] padded by 2 reads
/// [c b a b c d c b]), or the edge value repeated (<c>replicate</c>: [a a a b c d d d]).
/// </summary>
public enum PaddingMode
{
    /// <summary>Zeros (PyTorch's <c>"zeros"</c>, <c>F.pad(mode="constant")</c> with value 0).</summary>
    Zeros,

    /// <summary>Mirror at the edge, excluding the edge itself; the padding must be smaller than the axis (PyTorch's <c>"reflect"</c>).</summary>
    Reflect,

    /// <summary>Repeat the edge value; the axis must be non-empty (PyTorch's <c>"replicate"</c>).</summary>
    Replicate,
}
