using System.Runtime.Intrinsics;
using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

/// <summary>The fixed-order horizontal sums that let 256-bit kernels add the bits of 512-bit ones.</summary>
public class LaneSumsTests
{
    [Fact]
    public void Sum16_AddsTwoHalvesInVector512SumsOrder()
    {
        // The 256-bit kernels keep the 512-bit kernels' 16-lane sums as two halves and must reduce them to the same bits:
        // within each 128-bit lane (x0 + x1) + (x2 + x3), then (L0 + L1) + (L2 + L3). Values over 2^-20 … 2^20 with both
        // signs, so another pairing rounds apart.
        var random = new Random(16);
        float[] Make() => [.. Enumerable.Range(0, 16).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-20, 21))))];
        int differs = 0;
        for (int trial = 0; trial < 2000; trial++)
        {
            float[] v = Make();
            float Lane(int i) => (v[i] + v[i + 1]) + (v[i + 2] + v[i + 3]);
            float expected = (Lane(0) + Lane(4)) + (Lane(8) + Lane(12));
            float actual = LaneSums.Sum16(Vector256.Create(v.AsSpan(0, 8)), Vector256.Create(v.AsSpan(8, 8)));
            Assert.Equal(expected, actual);
            if (Vector512.IsHardwareAccelerated)
            {
                Assert.Equal(Vector512.Sum(Vector512.Create(v)), actual);
            }

            float serial = 0;
            foreach (float x in v)
            {
                serial += x;
            }

            differs += serial != expected ? 1 : 0;
        }

        // The data tell the orders apart: a left-to-right sum differs somewhere.
        Assert.True(differs > 100, $"{differs}");
    }
}
