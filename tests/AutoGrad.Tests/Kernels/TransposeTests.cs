using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

/// <summary>The in-register square transposes the direct convolutions move their tiles with (and the GEMM packs panels with).</summary>
public unsafe class TransposeTests
{
    private delegate void Transpose(float* source, int* rows, float[] add, float* destination, int stride);

    [Fact]
    public void Transpose16_MovesEveryElementToItsTransposedPlace_WithTheColumnsAddend()
    {
        if (!Avx512F.IsSupported)
        {
            // Without AVX-512 the direct convolutions run on 256-bit vectors and transpose with Transpose8.
            Assert.NotEqual(512, DirectConvolution.NativeVectorBits);
            return;
        }

        Check(16, (s, r, add, d, stride) => Transpose16.Run(s, r, Vector512.Create(add), d, stride));
    }

    [Fact]
    public void Transpose8_MovesEveryElementToItsTransposedPlace_WithTheColumnsAddend()
    {
        if (!Avx.IsSupported)
        {
            // Without AVX no kernel reaches the transpose: the direct convolutions do not run.
            Assert.Equal(0, DirectConvolution.NativeVectorBits);
            return;
        }

        Check(8, (s, r, add, d, stride) => Transpose8.Run(s, r, Vector256.Create(add), d, stride));
    }

    // A side × side block from scattered, unaligned source rows, written `stride` apart over NaNs.
    private static void Check(int side, Transpose transpose)
    {
        var random = new Random(side);
        float[] source = [.. Enumerable.Range(0, ((3 * side) - 1) * side).Select(_ => (float)random.NextDouble())];
        int[] rows = [.. Enumerable.Range(0, side).Select(i => (((3 * side) - 2 - (3 * i / 2)) * side) + (i % 3))];
        float[] add = [.. Enumerable.Range(0, side).Select(c => c * 0.25f)];
        int stride = side + 5;
        float[] destination = Enumerable.Repeat(float.NaN, ((side - 1) * stride) + side + 3).ToArray();
        fixed (float* s = source)
        fixed (int* r = rows)
        fixed (float* d = destination)
        {
            transpose(s, r, add, d, stride);
        }

        for (int c = 0; c < side; c++)
        {
            for (int i = 0; i < side; i++)
            {
                Assert.Equal(source[rows[i] + c] + add[c], destination[(c * stride) + i]);
            }

            // Nothing beyond the side floats of each destination row is written.
            for (int gap = side; gap < stride && (c * stride) + gap < destination.Length; gap++)
            {
                Assert.True(float.IsNaN(destination[(c * stride) + gap]));
            }
        }
    }
}
