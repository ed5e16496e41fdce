using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

/// <summary>
/// An 8 × 8 float32 block transposed in registers (AVX): the GEMM packs A and B panels with it, and the direct
/// convolutions on 256-bit vectors move their position-major tiles into channel planes (and dy's planes into
/// position-major tiles) with it, as <see cref="Transpose16"/> does on 512-bit vectors.
/// </summary>
/// <remarks>Pairs of rows are interleaved, then pairs of pairs, then the 128-bit halves swapped across: 24 shuffles for
/// 64 elements, where a gather costs about one load per element.</remarks>
internal static unsafe class Transpose8
{
    /// <summary>
    /// Row i of the block is the 8 floats at <paramref name="source"/> + <paramref name="rows"/>[i], plus
    /// <paramref name="add"/>; column c of it is stored as 8 floats at <paramref name="destination"/> + c·<paramref name="stride"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(float* source, int* rows, Vector256<float> add, float* destination, nint stride) =>
        Store(Avx.LoadVector256(source + rows[0]) + add, Avx.LoadVector256(source + rows[1]) + add,
            Avx.LoadVector256(source + rows[2]) + add, Avx.LoadVector256(source + rows[3]) + add,
            Avx.LoadVector256(source + rows[4]) + add, Avx.LoadVector256(source + rows[5]) + add,
            Avx.LoadVector256(source + rows[6]) + add, Avx.LoadVector256(source + rows[7]) + add, destination, stride);

    /// <summary>
    /// Copies an 8×8 block transposed: <paramref name="target"/>[q·targetStride + r] =
    /// <paramref name="source"/>[r·sourceStride + q].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* source, nint sourceStride, float* target, nint targetStride) =>
        Store(Avx.LoadVector256(source), Avx.LoadVector256(source + sourceStride),
            Avx.LoadVector256(source + (2 * sourceStride)), Avx.LoadVector256(source + (3 * sourceStride)),
            Avx.LoadVector256(source + (4 * sourceStride)), Avx.LoadVector256(source + (5 * sourceStride)),
            Avx.LoadVector256(source + (6 * sourceStride)), Avx.LoadVector256(source + (7 * sourceStride)), target, targetStride);

    /// <summary>Stores the 8×8 block whose rows are <paramref name="r0"/>…<paramref name="r7"/> transposed: row q of the
    /// result (lane q of every input row) at <paramref name="target"/> + q·<paramref name="targetStride"/>, q ascending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* target, nint targetStride)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(target, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(target + targetStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(target + (2 * targetStride), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(target + (3 * targetStride), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(target + (4 * targetStride), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(target + (5 * targetStride), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(target + (6 * targetStride), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(target + (7 * targetStride), Avx.Permute2x128(u3, u7, 0x31));
    }
}
