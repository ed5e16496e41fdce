using System.Runtime.Intrinsics;
using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

/// <summary>The in-register 16 × 16 transpose the direct convolutions move their tiles with.</summary>
public unsafe class Transpose16Tests
{
    [Fact]
    public void Run_MovesEveryElementToItsTransposedPlace_WithTheColumnsAddend()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            // Without AVX-512 the direct convolutions run on 256-bit vectors and transpose with Transpose8.
            Assert.NotEqual(512, DirectConvolution.NativeVectorBits);
            return;
        }

        var random = new Random(16);
        float[] source = [.. Enumerable.Range(0, 40 * 16).Select(_ => (float)random.NextDouble())];
        int[] rows = [.. Enumerable.Range(0, 16).Select(i => ((39 - (2 * i)) * 16) + (i % 3))]; // scattered, unaligned
        float[] add = [.. Enumerable.Range(0, 16).Select(c => c * 0.25f)];
        const int stride = 21;
        float[] destination = Enumerable.Repeat(float.NaN, (15 * stride) + 16 + 3).ToArray();
        fixed (float* s = source)
        fixed (int* r = rows)
        fixed (float* d = destination)
        {
            Transpose16.Run(s, r, Vector512.Create(add), d, stride);
        }

        for (int c = 0; c < 16; c++)
        {
            for (int i = 0; i < 16; i++)
            {
                Assert.Equal(source[rows[i] + c] + add[c], destination[(c * stride) + i]);
            }

            // Nothing beyond the 16 floats of each destination row is written.
            for (int gap = 16; gap < stride && (c * stride) + gap < destination.Length; gap++)
            {
                Assert.True(float.IsNaN(destination[(c * stride) + gap]));
            }
        }
    }
}
