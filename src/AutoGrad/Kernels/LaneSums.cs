using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

/// <summary>
/// Horizontal sums in a fixed order, so kernels on 256-bit vectors add the same bits as their 512-bit counterparts.
/// </summary>
internal static class LaneSums
{
    /// <summary>
    /// The sum of the 16 lanes <paramref name="lo"/>:<paramref name="hi"/> in <see cref="Vector512.Sum{T}(Vector512{T})"/>'s
    /// order: within each 128-bit lane (x₀ + x₁) + (x₂ + x₃), then (L₀ + L₁) + (L₂ + L₃) (see
    /// <see cref="DirectConvolution.Sum4"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum16(Vector256<float> lo, Vector256<float> hi) =>
        (Sum4(lo.GetLower()) + Sum4(lo.GetUpper())) + (Sum4(hi.GetLower()) + Sum4(hi.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum4(Vector128<float> v) =>
        (v.GetElement(0) + v.GetElement(1)) + (v.GetElement(2) + v.GetElement(3));
}
