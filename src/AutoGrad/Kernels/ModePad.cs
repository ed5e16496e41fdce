namespace AutoGrad.Kernels;

/// <summary>
/// Reflect and replicate padding as an index map: every output element copies one input element, so padding is a gather
/// through the map and its adjoint a scatter-add through the same map.
/// </summary>
internal static class ModePad
{
    /// <summary>
    /// For each element of the padded output (row-major), the flat index of the input element it copies. Along an axis
    /// of size L, output position i (i from −before to L + after − 1) reads position |i| mirrored at L − 1 (reflect) or
    /// i clamped to [0, L − 1] (replicate). Callers have checked that the padding fits (before, after &lt; L for
    /// reflect; L ≥ 1 for replicate).
    /// </summary>
    public static int[] SourceIndices(ReadOnlySpan<int> inputDims, ReadOnlySpan<int> before, ReadOnlySpan<int> outputDims, bool reflect)
    {
        int rank = inputDims.Length, size = 1;
        foreach (int d in outputDims)
        {
            size *= d;
        }

        var map = new int[size];
        if (size == 0 || rank == 0)
        {
            return map;
        }

        Span<int> inStrides = stackalloc int[rank];
        for (int i = rank - 1, s = 1; i >= 0; i--)
        {
            inStrides[i] = s;
            s *= inputDims[i];
        }

        Span<int> counter = stackalloc int[rank];
        for (int o = 0; o < size; o++)
        {
            int source = 0;
            for (int d = 0; d < rank; d++)
            {
                source += Source(counter[d] - before[d], inputDims[d], reflect) * inStrides[d];
            }

            map[o] = source;
            for (int d = rank - 1; d >= 0 && ++counter[d] == outputDims[d]; d--)
            {
                counter[d] = 0;
            }
        }

        return map;
    }

    /// <summary>destination[o] = x[map[o]].</summary>
    public static void Gather<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> map, Span<T> destination)
    {
        for (int o = 0; o < map.Length; o++)
        {
            destination[o] = x[map[o]];
        }
    }

    /// <summary>destination = 0, then destination[map[o]] += y[o] in order (so the sums are deterministic).</summary>
    public static void ScatterAdd<T>(ReadOnlySpan<T> y, ReadOnlySpan<int> map, Span<T> destination)
        where T : System.Numerics.INumberBase<T>
    {
        destination.Clear();
        for (int o = 0; o < map.Length; o++)
        {
            destination[map[o]] += y[o];
        }
    }

    private static int Source(int i, int size, bool reflect)
    {
        if (!reflect)
        {
            return Math.Clamp(i, 0, size - 1);
        }

        if (i < 0)
        {
            i = -i;
        }

        return i >= size ? (2 * (size - 1)) - i : i;
    }
}
