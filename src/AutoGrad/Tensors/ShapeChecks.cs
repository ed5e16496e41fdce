namespace AutoGrad.Tensors;

/// <summary>
/// Every shape, dtype and axis check in one place. Messages name the op, the shapes or axis involved and why they do
/// not fit, because the message is what a user needs to fix their code.
/// </summary>
public static class ShapeChecks
{
    /// <summary>The NumPy broadcast of two shapes.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast; the message names the op, both shapes and the clashing axis.</exception>
    public static Shape Broadcast(string op, Shape a, Shape b)
    {
        if (a == b)
        {
            return a;
        }

        int rank = Math.Max(a.Rank, b.Rank);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException(
                    $"{op}: shapes {a} and {b} do not broadcast: axis {i - rank} has size {da} in the first and {db} in the second " +
                    "(sizes must be equal, or one of them 1).");
            }

            result[i] = da == 1 ? db : da;
        }

        return Shape.FromOwned(result);
    }

    /// <summary>Checks that <paramref name="from"/> can be broadcast to <paramref name="to"/>.</summary>
    /// <exception cref="ArgumentException">It cannot; the message names the op and both shapes.</exception>
    public static void BroadcastableTo(string op, Shape from, Shape to)
    {
        if (from.Rank > to.Rank)
        {
            throw new ArgumentException($"{op}: cannot broadcast shape {from} to {to}: the target has fewer axes.");
        }

        int offset = to.Rank - from.Rank;
        for (int i = 0; i < from.Rank; i++)
        {
            if (from[i] != 1 && from[i] != to[i + offset])
            {
                throw new ArgumentException(
                    $"{op}: cannot broadcast shape {from} to {to}: axis {i} has size {from[i]}, which is neither 1 nor {to[i + offset]}.");
            }
        }
    }

    /// <summary>Checks that two dtypes agree.</summary>
    /// <exception cref="ArgumentException">They differ; the message names the op and both types.</exception>
    public static DType SameDType(string op, TensorType a, TensorType b)
    {
        if (a.DType != b.DType)
        {
            throw new ArgumentException(
                $"{op}: dtype mismatch: {a} and {b}. Convert one with .To(DType.{a.DType}) or .To(DType.{b.DType}).");
        }

        return a.DType;
    }

    /// <summary>Normalizes a possibly negative axis.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [-rank, rank).</exception>
    public static int Axis(string op, int axis, int rank) => Shape.NormalizeAxis(axis, rank, op);

    /// <summary>Normalizes, sorts and de-duplicates axes; null or empty means every axis.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An axis is out of range.</exception>
    /// <exception cref="ArgumentException">An axis is repeated.</exception>
    public static int[] Axes(string op, int[]? axes, int rank)
    {
        if (axes is null || axes.Length == 0)
        {
            var all = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                all[i] = i;
            }

            return all;
        }

        var normalized = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            normalized[i] = Axis(op, axes[i], rank);
        }

        Array.Sort(normalized);
        for (int i = 1; i < normalized.Length; i++)
        {
            if (normalized[i] == normalized[i - 1])
            {
                throw new ArgumentException($"{op}: axis {normalized[i]} is given more than once in ({string.Join(", ", axes)}).");
            }
        }

        return normalized;
    }

    /// <summary>Checks a minimum rank.</summary>
    /// <exception cref="ArgumentException">The rank is too small; the message names the op and the shape.</exception>
    public static void MinRank(string op, Shape shape, int minRank, string what = "input")
    {
        if (shape.Rank < minRank)
        {
            throw new ArgumentException($"{op}: {what} must have at least {minRank} axes, got shape {shape}.");
        }
    }

    /// <summary>Checks an exact rank.</summary>
    /// <exception cref="ArgumentException">The rank differs; the message names the op and the shape.</exception>
    public static void Rank(string op, Shape shape, int rank, string what = "input")
    {
        if (shape.Rank != rank)
        {
            throw new ArgumentException($"{op}: {what} must have {rank} axes, got shape {shape}.");
        }
    }
}
