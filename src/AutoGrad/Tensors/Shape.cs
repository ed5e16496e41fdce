using System.Runtime.CompilerServices;

namespace AutoGrad.Tensors;

/// <summary>
/// The immutable extent of a tensor along each axis. <c>default(Shape)</c> is the scalar shape <c>()</c> with one element.
/// Printed like NumPy: <c>(2, 3)</c>.
/// </summary>
[CollectionBuilder(typeof(Shape), nameof(Create))]
public readonly struct Shape : IEquatable<Shape>
{
    private readonly int[]? dims;
    private readonly int size;

    /// <summary>Creates a shape from its dimensions; each must be zero or positive.</summary>
    /// <exception cref="ArgumentException">A dimension is negative.</exception>
    public Shape(params int[] dimensions)
        : this(Validate(dimensions), 0)
    {
    }

    // The byte parameter only distinguishes this trusted constructor from the public, validating one.
    private Shape(int[] owned, byte _)
    {
        dims = owned.Length == 0 ? null : owned;
        // A zero axis makes the whole shape empty however large the other axes are.
        long product = Array.IndexOf(owned, 0) >= 0 ? 0 : 1;
        foreach (int d in product == 0 ? [] : owned)
        {
            product *= d;
            if (product > Array.MaxLength)
            {
                throw new ArgumentException($"Shape ({string.Join(", ", owned)}) has more than {Array.MaxLength} elements.");
            }
        }

        // Stored minus one so that default(Shape), the scalar, has size 1.
        size = (int)product - 1;
    }

    /// <summary>Builds a shape from a collection expression, e.g. <c>Tensor.Zeros([2, 3])</c>.</summary>
    public static Shape Create(ReadOnlySpan<int> dimensions) => new(dimensions.ToArray());

    /// <summary>Enumerates the dimensions.</summary>
    public ReadOnlySpan<int>.Enumerator GetEnumerator() => Dimensions.GetEnumerator();

    /// <summary>The scalar shape <c>()</c>.</summary>
    public static Shape Scalar => default;

    /// <summary>The number of axes.</summary>
    public int Rank => dims?.Length ?? 0;

    /// <summary>The total number of elements (1 for a scalar).</summary>
    public int Size
    {
        get
        {
            if (SymbolicExtents.AnyActive)
            {
                SymbolicExtents.OnRead(dims, -1);
            }

            return size + 1;
        }
    }

    /// <summary>The dimensions as a read-only span.</summary>
    public ReadOnlySpan<int> Dimensions
    {
        get
        {
            if (SymbolicExtents.AnyActive)
            {
                SymbolicExtents.OnRead(dims, -1);
            }

            return dims;
        }
    }

    /// <summary>The extent of an axis; negative axes count from the end.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range (a scalar shape has none).</exception>
    public int this[int axis]
    {
        get
        {
            if (dims is null)
            {
                throw new ArgumentOutOfRangeException(nameof(axis), axis, $"shape: axis {axis} is out of range for the scalar shape () of rank 0, which has no axes.");
            }

            int normalized = NormalizeAxis(axis, Rank, "shape");
            if (SymbolicExtents.AnyActive)
            {
                SymbolicExtents.OnRead(dims, normalized);
            }

            return dims[normalized];
        }
    }

    /// <summary>The dimensions array itself (null for a scalar), for code that must not count as reading extents.</summary>
    internal int[]? DimsArray => dims;

    /// <summary>Wraps an array the caller will never mutate again, skipping the defensive copy.</summary>
    internal static Shape FromOwned(int[] dimensions) => new(dimensions, 0);

    /// <summary>A copy of the dimensions.</summary>
    public int[] ToArray()
    {
        if (SymbolicExtents.AnyActive)
        {
            SymbolicExtents.OnRead(dims, -1);
        }

        return dims is null ? [] : (int[])dims.Clone();
    }

    /// <summary>Row-major (C-order) element strides.</summary>
    public int[] Strides()
    {
        if (SymbolicExtents.AnyActive)
        {
            SymbolicExtents.OnRead(dims, -1);
        }

        var strides = new int[Rank];
        int stride = 1;
        for (int i = Rank - 1; i >= 0; i--)
        {
            strides[i] = stride;
            // Only an empty shape can exceed int here (e.g. (0, 2³¹−1, 2³¹−1)); its strides address no element.
            stride = (int)Math.Min((long)stride * dims![i], int.MaxValue);
        }

        return strides;
    }

    /// <summary>Maps a possibly negative axis into [0, rank) or throws an error naming the op, the axis and the rank.</summary>
    public static int NormalizeAxis(int axis, int rank, string op)
    {
        int normalized = axis < 0 ? axis + rank : axis;
        if ((uint)normalized >= (uint)Math.Max(rank, 0) && !(rank == 0 && normalized == 0))
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis,
                $"{op}: axis {axis} is out of range for a tensor of rank {rank} (valid: {-rank}..{rank - 1}).");
        }

        return normalized;
    }

    /// <summary>Returns a new shape with one axis replaced.</summary>
    public Shape With(int axis, int extent)
    {
        int[] copy = ToArray();
        copy[NormalizeAxis(axis, Rank, "shape")] = extent;
        return FromOwned(copy);
    }

    /// <inheritdoc/>
    public bool Equals(Shape other) => Dimensions.SequenceEqual(other.Dimensions);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int d in Dimensions)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    /// <summary>Shape equality.</summary>
    public static bool operator ==(Shape left, Shape right) => left.Equals(right);

    /// <summary>Shape inequality.</summary>
    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);

    /// <summary>Creates a shape from an array of dimensions.</summary>
    public static implicit operator Shape(int[] dimensions) => new(dimensions);

    /// <summary>NumPy style: <c>()</c>, <c>(3,)</c>, <c>(2, 3)</c>.</summary>
    public override string ToString()
    {
        if (SymbolicExtents.AnyActive)
        {
            SymbolicExtents.OnRead(dims, -1);
        }

        return Rank switch
        {
            0 => "()",
            1 => $"({dims![0]},)",
            _ => "(" + string.Join(", ", dims!) + ")",
        };
    }

    private static int[] Validate(int[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        var copy = (int[])dimensions.Clone();
        foreach (int d in copy)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Shape dimensions must be non-negative, got ({string.Join(", ", copy)}).", nameof(dimensions));
            }
        }

        return copy;
    }
}
