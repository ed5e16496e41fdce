using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

/// <summary>The in-register 8 × 8 transpose the GEMM packs panels with and the 256-bit direct convolutions move their tiles with.</summary>
public unsafe class Transpose8Tests
{
    [Fact]
    public void Run_MovesEveryElementToItsTransposedPlace_WithTheColumnsAddend()
    {
        if (!Avx.IsSupported)
        {
            // Without AVX no kernel reaches the transpose: the direct convolutions do not run.
            Assert.Equal(0, DirectConvolution.NativeVectorBits);
            return;
        }

        var random = new Random(8);
        float[] source = [.. Enumerable.Range(0, 24 * 8).Select(_ => (float)random.NextDouble())];
        int[] rows = [.. Enumerable.Range(0, 8).Select(i => ((22 - (3 * i)) * 8) + (i % 3))]; // scattered, unaligned
        float[] add = [.. Enumerable.Range(0, 8).Select(c => c * 0.25f)];
        const int stride = 13;
        float[] destination = Enumerable.Repeat(float.NaN, (7 * stride) + 8 + 3).ToArray();
        fixed (float* s = source)
        fixed (int* r = rows)
        fixed (float* d = destination)
        {
            Transpose8.Run(s, r, Vector256.Create(add), d, stride);
        }

        for (int c = 0; c < 8; c++)
        {
            for (int i = 0; i < 8; i++)
            {
                Assert.Equal(source[rows[i] + c] + add[c], destination[(c * stride) + i]);
            }

            // Nothing beyond the 8 floats of each destination row is written.
            for (int gap = 8; gap < stride && (c * stride) + gap < destination.Length; gap++)
            {
                Assert.True(float.IsNaN(destination[(c * stride) + gap]));
            }
        }
    }
}
