namespace AutoGrad.Tests.Properties;

/// <summary>
/// Index-by-index reference implementations of broadcasting, reductions, permutes and slices on row-major
/// <c>double[]</c> data: slow and obvious, so the property tests compare the library's kernels against them.
/// </summary>
internal static class Reference
{
    /// <summary>The number of elements of a shape (1 for a scalar).</summary>
    public static int Size(int[] shape) => shape.Aggregate(1, (product, d) => product * d);

    /// <summary>The multi-index of a flat row-major position.</summary>
    public static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            index[axis] = flat % shape[axis];
            flat /= shape[axis];
        }

        return index;
    }

    /// <summary>The flat row-major position of a multi-index.</summary>
    public static int Ravel(int[] index, int[] shape)
    {
        int flat = 0;
        for (int axis = 0; axis < shape.Length; axis++)
        {
            flat = (flat * shape[axis]) + index[axis];
        }

        return flat;
    }

    /// <summary>NumPy's broadcast shape: right-aligned, each pair of extents equal or one of them 1.</summary>
    public static int[] BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            result[i] = da == 1 ? db : da;
        }

        return result;
    }

    /// <summary>Applies <paramref name="f"/> elementwise to <paramref name="a"/> and <paramref name="b"/> broadcast to their common shape.</summary>
    public static double[] Broadcast(double[] a, int[] aShape, double[] b, int[] bShape, Func<double, double, double> f)
    {
        int[] shape = BroadcastShape(aShape, bShape);
        var result = new double[Size(shape)];
        for (int flat = 0; flat < result.Length; flat++)
        {
            int[] index = Unravel(flat, shape);
            result[flat] = f(a[SourceOf(index, aShape)], b[SourceOf(index, bShape)]);
        }

        return result;
    }

    /// <summary>Reduces <paramref name="x"/> over <paramref name="axes"/> (non-negative, distinct) with <paramref name="combine"/>.</summary>
    public static double[] Reduce(double[] x, int[] shape, int[] axes, double seed, Func<double, double, double> combine)
    {
        int[] kept = KeepDimsShape(shape, axes);
        var result = Enumerable.Repeat(seed, Size(kept)).ToArray();
        for (int flat = 0; flat < x.Length; flat++)
        {
            int[] index = Unravel(flat, shape);
            foreach (int axis in axes)
            {
                index[axis] = 0;
            }

            int target = Ravel(index, kept);
            result[target] = combine(result[target], x[flat]);
        }

        return result;
    }

    /// <summary>The shape after reducing <paramref name="axes"/> with the reduced extents kept as 1.</summary>
    public static int[] KeepDimsShape(int[] shape, int[] axes) => shape.Select((d, axis) => axes.Contains(axis) ? 1 : d).ToArray();

    /// <summary>The shape after reducing <paramref name="axes"/> with the reduced axes dropped.</summary>
    public static int[] DroppedShape(int[] shape, int[] axes) => shape.Where((_, axis) => !axes.Contains(axis)).ToArray();

    /// <summary>Axis i of the result is axis <paramref name="permutation"/>[i] of <paramref name="x"/>.</summary>
    public static double[] Permute(double[] x, int[] shape, int[] permutation)
    {
        int[] outShape = permutation.Select(p => shape[p]).ToArray();
        var result = new double[x.Length];
        for (int flat = 0; flat < result.Length; flat++)
        {
            int[] outIndex = Unravel(flat, outShape);
            var source = new int[shape.Length];
            for (int i = 0; i < permutation.Length; i++)
            {
                source[permutation[i]] = outIndex[i];
            }

            result[flat] = x[Ravel(source, shape)];
        }

        return result;
    }

    /// <summary>Positions start, start+step, … below stop (already normalized and in range) along one axis.</summary>
    public static (double[] Values, int[] Shape) Slice(double[] x, int[] shape, int axis, int start, int stop, int step)
    {
        int count = stop <= start ? 0 : ((stop - start - 1) / step) + 1;
        int[] outShape = (int[])shape.Clone();
        outShape[axis] = count;
        var result = new double[Size(outShape)];
        for (int flat = 0; flat < result.Length; flat++)
        {
            int[] index = Unravel(flat, outShape);
            index[axis] = start + (index[axis] * step);
            result[flat] = x[Ravel(index, shape)];
        }

        return (result, outShape);
    }

    private static int SourceOf(int[] index, int[] shape)
    {
        int offset = index.Length - shape.Length;
        var source = new int[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            source[i] = shape[i] == 1 ? 0 : index[i + offset];
        }

        return Ravel(source, shape);
    }
}
