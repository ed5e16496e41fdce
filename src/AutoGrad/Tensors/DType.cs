namespace AutoGrad.Tensors;

/// <summary>The element type of a tensor. Every tensor is dense floating point; integer-valued results
/// (indices from <c>ArgMax</c>, <c>RandInt</c>, labels) are stored as exact integers in a floating-point tensor.</summary>
public enum DType
{
    /// <summary>32-bit IEEE 754 floating point, the default.</summary>
    Float32,

    /// <summary>64-bit IEEE 754 floating point, used for gradient checks and precise work.</summary>
    Float64,
}

/// <summary>Helpers for <see cref="DType"/>.</summary>
public static class DTypeExtensions
{
    /// <summary>The short name used in printed graphs and errors: <c>f32</c> or <c>f64</c>.</summary>
    public static string ShortName(this DType dtype) => dtype == DType.Float32 ? "f32" : "f64";

    /// <summary>The size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => dtype == DType.Float32 ? sizeof(float) : sizeof(double);
}
