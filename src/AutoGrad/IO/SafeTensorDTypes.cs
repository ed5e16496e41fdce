namespace AutoGrad.IO;

/// <summary>
/// The element type names a safetensors header uses in its <c>"dtype"</c> field, and their sizes in bytes.
/// </summary>
/// <remarks>
/// Only whole-byte types are known here; the sub-byte types of newer format versions (e.g. <c>F4</c>) are
/// rejected by <see cref="SafeTensorsFile"/> as unknown. The names are case-sensitive, as in the format.
/// </remarks>
public static class SafeTensorDTypes
{
    /// <summary>Boolean, one byte per element.</summary>
    public const string Bool = "BOOL";
    /// <summary>Unsigned 8-bit integer.</summary>
    public const string U8 = "U8";
    /// <summary>Signed 8-bit integer.</summary>
    public const string I8 = "I8";
    /// <summary>8-bit float with 5 exponent and 2 mantissa bits.</summary>
    public const string F8E5M2 = "F8_E5M2";
    /// <summary>8-bit float with 4 exponent and 3 mantissa bits.</summary>
    public const string F8E4M3 = "F8_E4M3";
    /// <summary>Signed 16-bit integer.</summary>
    public const string I16 = "I16";
    /// <summary>Unsigned 16-bit integer.</summary>
    public const string U16 = "U16";
    /// <summary>IEEE 754 half precision float.</summary>
    public const string F16 = "F16";
    /// <summary>bfloat16: the upper 16 bits of a float32.</summary>
    public const string BF16 = "BF16";
    /// <summary>Signed 32-bit integer.</summary>
    public const string I32 = "I32";
    /// <summary>Unsigned 32-bit integer.</summary>
    public const string U32 = "U32";
    /// <summary>IEEE 754 single precision float (<see cref="float"/>).</summary>
    public const string F32 = "F32";
    /// <summary>Signed 64-bit integer.</summary>
    public const string I64 = "I64";
    /// <summary>Unsigned 64-bit integer.</summary>
    public const string U64 = "U64";
    /// <summary>IEEE 754 double precision float (<see cref="double"/>).</summary>
    public const string F64 = "F64";

    /// <summary>Gets the size in bytes of one element of <paramref name="dtype"/>.</summary>
    /// <param name="dtype">A dtype name such as <c>"F32"</c>.</param>
    /// <param name="size">The element size in bytes (1, 2, 4 or 8), or 0 when the name is unknown.</param>
    /// <returns>Whether <paramref name="dtype"/> is a known name.</returns>
    public static bool TryGetElementSize(string? dtype, out int size)
    {
        size = dtype switch
        {
            Bool or U8 or I8 or F8E5M2 or F8E4M3 => 1,
            I16 or U16 or F16 or BF16 => 2,
            I32 or U32 or F32 => 4,
            I64 or U64 or F64 => 8,
            _ => 0,
        };
        return size != 0;
    }

    /// <summary>Gets the size in bytes of one element of <paramref name="dtype"/>.</summary>
    /// <param name="dtype">A dtype name such as <c>"F32"</c>.</param>
    /// <returns>The element size in bytes (1, 2, 4 or 8).</returns>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a known name.</exception>
    public static int ElementSize(string dtype) =>
        TryGetElementSize(dtype, out int size)
            ? size
            : throw new ArgumentException($"Unknown safetensors dtype '{dtype}'; known: {string.Join(", ", All)}.", nameof(dtype));

    /// <summary>Every known dtype name, in the order of this class.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Bool, U8, I8, F8E5M2, F8E4M3, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64];
}
