using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

internal static unsafe partial class Gemm
{
    /// <summary>How much faster (in flops per second) the 256-bit micro-kernel must run to be chosen over the 512-bit one.</summary>
    internal const double Avx2Margin = 1.05;

    // GemmPath.Auto (0) until measured; an int so it can be read and written atomically.
    private static int s_preferredVectorPath;

    /// <summary>
    /// Of the two vector paths, the one whose micro-kernel ran more floating-point operations per second when this process
    /// first asked (<see cref="MeasureVectorPaths"/>); the 512-bit one unless the 256-bit one was more than 5 % faster in
    /// two measurements in a row.
    /// </summary>
    /// <remarks>
    /// Cores differ: a 512-bit FMA on Intel's server cores does twice a 256-bit one's work in the same time, while cores
    /// that split each 512-bit operation into two 256-bit halves (AMD's Zen 4) can run the 256-bit kernel faster, as
    /// OpenBLAS and BLIS choose per core type. Both paths sum every element in the same order (each KC block from zero,
    /// p ascending, then added to C), so the choice changes speed only, never a bit of a result (tested).
    /// </remarks>
    internal static GemmPath PreferredVectorPath
    {
        get
        {
            var path = (GemmPath)Volatile.Read(ref s_preferredVectorPath);
            if (path == GemmPath.Auto)
            {
                (double wide, double narrow) = MeasureVectorPaths();
                path = ChooseVectorPath(wide, narrow);
                if (path == GemmPath.Avx2)
                {
                    // A busy moment can slow the 512-bit rounds alone (seen once on an Intel host where 512 bits run
                    // twice as fast: a process then multiplied at half speed throughout), so the 256-bit path must win a
                    // second measurement too. Where it is truly faster this costs one more 2 ms measurement per process.
                    (wide, narrow) = MeasureVectorPaths();
                    path = ChooseVectorPath(wide, narrow);
                }

                Volatile.Write(ref s_preferredVectorPath, (int)path);
            }

            return path;
        }
    }

    /// <summary>The 256-bit path when its measured rate beats the 512-bit one's by more than <see cref="Avx2Margin"/>, else the 512-bit one.</summary>
    internal static GemmPath ChooseVectorPath(double wideFlopsPerSecond, double narrowFlopsPerSecond) =>
        narrowFlopsPerSecond > Avx2Margin * wideFlopsPerSecond ? GemmPath.Avx2 : GemmPath.Avx512;

    /// <summary>
    /// Floating-point operations per second of the 512-bit (12×32) and 256-bit (6×16) float32 micro-kernels on packed
    /// panels of depth 256 that stay in L1, each the best of five alternating rounds of 64 tiles (about 2 ms in all).
    /// </summary>
    internal static (double Wide, double Narrow) MeasureVectorPaths()
    {
        const int kc = 256, rounds = 5, tiles = 64;
        int wideRows = Mr512, wideCols = 2 * Vector512<float>.Count;
        int narrowRows = Mr256, narrowCols = 2 * Vector256<float>.Count;
        float* a = PackBuffers<float>.A(kc * wideRows);
        float* b = PackBuffers<float>.B(kc * wideCols);
        float* c = PackBuffers<float>.C(wideRows * wideCols);
        for (int i = 0; i < kc * wideRows; i++)
        {
            a[i] = 1f / (i + 1);
        }

        for (int i = 0; i < kc * wideCols; i++)
        {
            b[i] = 1f / (i + 2);
        }

        double bestWide = double.MaxValue, bestNarrow = double.MaxValue;
        for (int round = 0; round <= rounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int t = 0; t < tiles; t++)
            {
                Tile512<float, Count12>(kc, a, 1, wideRows, b, c, wideCols, add: false);
            }

            long middle = Stopwatch.GetTimestamp();
            for (int t = 0; t < tiles; t++)
            {
                Tile256<float, Count6>(kc, a, 1, narrowRows, b, c, narrowCols, add: false);
            }

            long end = Stopwatch.GetTimestamp();

            // Round 0 only compiles and warms both kernels.
            if (round > 0)
            {
                bestWide = Math.Min(bestWide, middle - start);
                bestNarrow = Math.Min(bestNarrow, end - middle);
            }
        }

        double frequency = Stopwatch.Frequency;
        double wideFlops = 2.0 * tiles * kc * wideRows * wideCols, narrowFlops = 2.0 * tiles * kc * narrowRows * narrowCols;
        return (wideFlops * frequency / Math.Max(1, bestWide), narrowFlops * frequency / Math.Max(1, bestNarrow));
    }
}
