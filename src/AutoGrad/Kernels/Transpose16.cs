using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

/// <summary>
/// A 16 × 16 float32 block transposed in registers (AVX-512): the direct convolutions move their position-major tiles
/// into channel planes (and dy's planes into position-major tiles) with it instead of one scalar load and store per
/// element, which took about a sixth of the conv2 forward (0.45 of 2.5 ms over 64 images).
/// </summary>
/// <remarks>
/// Element (row i, column c) goes to (c, i) in four stages; stage k swaps bit k of the row index with bit k of the
/// column index, pairing rows i and i + 2ᵏ with two two-source permutes (<c>vpermt2ps</c>), 64 in all.
/// </remarks>
internal static unsafe class Transpose16
{
    /// <summary>
    /// Row i of the block is the 16 floats at <paramref name="source"/> + <paramref name="rows"/>[i], plus
    /// <paramref name="add"/>; column c of it is stored as 16 floats at <paramref name="destination"/> + c·<paramref name="stride"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* source, int* rows, Vector512<float> add, float* destination, nint stride)
    {
        Vector512<float> r0 = Vector512.Load(source + rows[0]) + add;
        Vector512<float> r1 = Vector512.Load(source + rows[1]) + add;
        Vector512<float> r2 = Vector512.Load(source + rows[2]) + add;
        Vector512<float> r3 = Vector512.Load(source + rows[3]) + add;
        Vector512<float> r4 = Vector512.Load(source + rows[4]) + add;
        Vector512<float> r5 = Vector512.Load(source + rows[5]) + add;
        Vector512<float> r6 = Vector512.Load(source + rows[6]) + add;
        Vector512<float> r7 = Vector512.Load(source + rows[7]) + add;
        Vector512<float> r8 = Vector512.Load(source + rows[8]) + add;
        Vector512<float> r9 = Vector512.Load(source + rows[9]) + add;
        Vector512<float> r10 = Vector512.Load(source + rows[10]) + add;
        Vector512<float> r11 = Vector512.Load(source + rows[11]) + add;
        Vector512<float> r12 = Vector512.Load(source + rows[12]) + add;
        Vector512<float> r13 = Vector512.Load(source + rows[13]) + add;
        Vector512<float> r14 = Vector512.Load(source + rows[14]) + add;
        Vector512<float> r15 = Vector512.Load(source + rows[15]) + add;
        Vector512<int> lo, hi;
        lo = Vector512.Create(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        hi = Vector512.Create(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
        (r0, r1) = (Avx512F.PermuteVar16x32x2(r0, lo, r1), Avx512F.PermuteVar16x32x2(r0, hi, r1));
        (r2, r3) = (Avx512F.PermuteVar16x32x2(r2, lo, r3), Avx512F.PermuteVar16x32x2(r2, hi, r3));
        (r4, r5) = (Avx512F.PermuteVar16x32x2(r4, lo, r5), Avx512F.PermuteVar16x32x2(r4, hi, r5));
        (r6, r7) = (Avx512F.PermuteVar16x32x2(r6, lo, r7), Avx512F.PermuteVar16x32x2(r6, hi, r7));
        (r8, r9) = (Avx512F.PermuteVar16x32x2(r8, lo, r9), Avx512F.PermuteVar16x32x2(r8, hi, r9));
        (r10, r11) = (Avx512F.PermuteVar16x32x2(r10, lo, r11), Avx512F.PermuteVar16x32x2(r10, hi, r11));
        (r12, r13) = (Avx512F.PermuteVar16x32x2(r12, lo, r13), Avx512F.PermuteVar16x32x2(r12, hi, r13));
        (r14, r15) = (Avx512F.PermuteVar16x32x2(r14, lo, r15), Avx512F.PermuteVar16x32x2(r14, hi, r15));
        lo = Vector512.Create(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
        hi = Vector512.Create(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
        (r0, r2) = (Avx512F.PermuteVar16x32x2(r0, lo, r2), Avx512F.PermuteVar16x32x2(r0, hi, r2));
        (r1, r3) = (Avx512F.PermuteVar16x32x2(r1, lo, r3), Avx512F.PermuteVar16x32x2(r1, hi, r3));
        (r4, r6) = (Avx512F.PermuteVar16x32x2(r4, lo, r6), Avx512F.PermuteVar16x32x2(r4, hi, r6));
        (r5, r7) = (Avx512F.PermuteVar16x32x2(r5, lo, r7), Avx512F.PermuteVar16x32x2(r5, hi, r7));
        (r8, r10) = (Avx512F.PermuteVar16x32x2(r8, lo, r10), Avx512F.PermuteVar16x32x2(r8, hi, r10));
        (r9, r11) = (Avx512F.PermuteVar16x32x2(r9, lo, r11), Avx512F.PermuteVar16x32x2(r9, hi, r11));
        (r12, r14) = (Avx512F.PermuteVar16x32x2(r12, lo, r14), Avx512F.PermuteVar16x32x2(r12, hi, r14));
        (r13, r15) = (Avx512F.PermuteVar16x32x2(r13, lo, r15), Avx512F.PermuteVar16x32x2(r13, hi, r15));
        lo = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
        hi = Vector512.Create(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
        (r0, r4) = (Avx512F.PermuteVar16x32x2(r0, lo, r4), Avx512F.PermuteVar16x32x2(r0, hi, r4));
        (r1, r5) = (Avx512F.PermuteVar16x32x2(r1, lo, r5), Avx512F.PermuteVar16x32x2(r1, hi, r5));
        (r2, r6) = (Avx512F.PermuteVar16x32x2(r2, lo, r6), Avx512F.PermuteVar16x32x2(r2, hi, r6));
        (r3, r7) = (Avx512F.PermuteVar16x32x2(r3, lo, r7), Avx512F.PermuteVar16x32x2(r3, hi, r7));
        (r8, r12) = (Avx512F.PermuteVar16x32x2(r8, lo, r12), Avx512F.PermuteVar16x32x2(r8, hi, r12));
        (r9, r13) = (Avx512F.PermuteVar16x32x2(r9, lo, r13), Avx512F.PermuteVar16x32x2(r9, hi, r13));
        (r10, r14) = (Avx512F.PermuteVar16x32x2(r10, lo, r14), Avx512F.PermuteVar16x32x2(r10, hi, r14));
        (r11, r15) = (Avx512F.PermuteVar16x32x2(r11, lo, r15), Avx512F.PermuteVar16x32x2(r11, hi, r15));
        lo = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        hi = Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        (r0, r8) = (Avx512F.PermuteVar16x32x2(r0, lo, r8), Avx512F.PermuteVar16x32x2(r0, hi, r8));
        (r1, r9) = (Avx512F.PermuteVar16x32x2(r1, lo, r9), Avx512F.PermuteVar16x32x2(r1, hi, r9));
        (r2, r10) = (Avx512F.PermuteVar16x32x2(r2, lo, r10), Avx512F.PermuteVar16x32x2(r2, hi, r10));
        (r3, r11) = (Avx512F.PermuteVar16x32x2(r3, lo, r11), Avx512F.PermuteVar16x32x2(r3, hi, r11));
        (r4, r12) = (Avx512F.PermuteVar16x32x2(r4, lo, r12), Avx512F.PermuteVar16x32x2(r4, hi, r12));
        (r5, r13) = (Avx512F.PermuteVar16x32x2(r5, lo, r13), Avx512F.PermuteVar16x32x2(r5, hi, r13));
        (r6, r14) = (Avx512F.PermuteVar16x32x2(r6, lo, r14), Avx512F.PermuteVar16x32x2(r6, hi, r14));
        (r7, r15) = (Avx512F.PermuteVar16x32x2(r7, lo, r15), Avx512F.PermuteVar16x32x2(r7, hi, r15));
        r0.Store(destination);
        r1.Store(destination + (1 * stride));
        r2.Store(destination + (2 * stride));
        r3.Store(destination + (3 * stride));
        r4.Store(destination + (4 * stride));
        r5.Store(destination + (5 * stride));
        r6.Store(destination + (6 * stride));
        r7.Store(destination + (7 * stride));
        r8.Store(destination + (8 * stride));
        r9.Store(destination + (9 * stride));
        r10.Store(destination + (10 * stride));
        r11.Store(destination + (11 * stride));
        r12.Store(destination + (12 * stride));
        r13.Store(destination + (13 * stride));
        r14.Store(destination + (14 * stride));
        r15.Store(destination + (15 * stride));
    }
}
