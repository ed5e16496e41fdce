using System.Numerics;
using AutoGrad.Tensors;

namespace AutoGrad.Kernels;

/// <summary>The kernels behind <c>where</c>: broadcasting an operand to an output shape, and picking per element.</summary>
internal static class Select
{
    /// <summary>Copies <paramref name="x"/> (of shape <paramref name="from"/>) repeated NumPy-style to fill <paramref name="destination"/> (of shape <paramref name="to"/>).</summary>
    public static void Expand<T>(ReadOnlySpan<T> x, Shape from, Span<T> destination, Shape to)
        where T : unmanaged
    {
        if (from == to)
        {
            x.CopyTo(destination);
            return;
        }

        Expand(x, destination, new BroadcastWalk(to, from, to), null);
    }

    /// <summary>
    /// <see cref="Expand{T}(ReadOnlySpan{T}, Shape, Span{T}, Shape)"/> with a walk prepared for (to, from, to); with a
    /// <paramref name="scratch"/> of <see cref="BroadcastWalk.OuterRank"/> ints it allocates nothing.
    /// </summary>
    public static void Expand<T>(ReadOnlySpan<T> x, Span<T> destination, BroadcastWalk walk, int[]? scratch)
        where T : unmanaged
    {
        var cursor = scratch is null ? walk.Start() : walk.Start(scratch);
        for (int c = 0, offset = 0; c < walk.Count; c++, offset += walk.Chunk, cursor.Next())
        {
            if (walk.AFull)
            {
                x.Slice(cursor.OffsetA, walk.Chunk).CopyTo(destination.Slice(offset, walk.Chunk));
            }
            else
            {
                destination.Slice(offset, walk.Chunk).Fill(x[cursor.OffsetA]);
            }
        }
    }

    /// <summary>
    /// destination[i] = condition[i] ? x[i] : y[i]. A true select rather than y + c·(x − y), so an infinite or NaN
    /// value in the branch not taken never leaks into the result (the usual reason to call where).
    /// </summary>
    public static void Where<T>(ReadOnlySpan<bool> condition, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = condition[i] ? x[i] : y[i];
        }
    }
}
