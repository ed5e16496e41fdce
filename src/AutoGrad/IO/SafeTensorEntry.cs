namespace AutoGrad.IO;

/// <summary>
/// One named tensor of a safetensors file: its dtype name, its shape and its raw little-endian, row-major,
/// tightly packed bytes.
/// </summary>
/// <param name="Name">The tensor's key in the header; any string but <c>"__metadata__"</c>.</param>
/// <param name="DType">A dtype name from <see cref="SafeTensorDTypes"/>, e.g. <c>"F32"</c>.</param>
/// <param name="Shape">The dimensions, outermost first; empty for a scalar (0-D) tensor; a 0 makes the tensor empty.</param>
/// <param name="Data">
/// Exactly <c>product(Shape) × element size</c> bytes, little-endian. Record equality compares the
/// <see cref="Shape"/> and <see cref="Data"/> arrays by reference, not by content.
/// </param>
public sealed record SafeTensorEntry(string Name, string DType, long[] Shape, byte[] Data)
{
    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a scalar, 0 when a dimension is 0).</summary>
    /// <exception cref="OverflowException">The product does not fit in a <see cref="long"/>.</exception>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long dimension in Shape)
            {
                count = checked(count * dimension);
            }
            return count;
        }
    }

    /// <summary>Creates an <c>F32</c> entry from float values in row-major order.</summary>
    /// <param name="name">The tensor's key.</param>
    /// <param name="shape">The dimensions; their product must equal <c>values.Length</c>.</param>
    /// <param name="values">The values, row-major.</param>
    /// <returns>The entry, with its own copy of the values as little-endian bytes.</returns>
    /// <exception cref="ArgumentException">The shape's product differs from the number of values, or a dimension is negative.</exception>
    public static SafeTensorEntry FromSingles(string name, long[] shape, ReadOnlySpan<float> values)
    {
        CheckCount(shape, values.Length);
        return new SafeTensorEntry(name, SafeTensorDTypes.F32, (long[])shape.Clone(), LittleEndianBytes.FromSingles(values));
    }

    /// <summary>Creates an <c>F64</c> entry from double values in row-major order.</summary>
    /// <param name="name">The tensor's key.</param>
    /// <param name="shape">The dimensions; their product must equal <c>values.Length</c>.</param>
    /// <param name="values">The values, row-major.</param>
    /// <returns>The entry, with its own copy of the values as little-endian bytes.</returns>
    /// <exception cref="ArgumentException">The shape's product differs from the number of values, or a dimension is negative.</exception>
    public static SafeTensorEntry FromDoubles(string name, long[] shape, ReadOnlySpan<double> values)
    {
        CheckCount(shape, values.Length);
        return new SafeTensorEntry(name, SafeTensorDTypes.F64, (long[])shape.Clone(), LittleEndianBytes.FromDoubles(values));
    }

    /// <summary>Decodes the data of an <c>F32</c> entry.</summary>
    /// <returns>The values, row-major, in a new array.</returns>
    /// <exception cref="InvalidOperationException">The entry's dtype is not <c>F32</c>.</exception>
    public float[] ToSingles()
    {
        RequireDType(SafeTensorDTypes.F32);
        return LittleEndianBytes.ToSingles(Data);
    }

    /// <summary>Decodes the data of an <c>F64</c> entry.</summary>
    /// <returns>The values, row-major, in a new array.</returns>
    /// <exception cref="InvalidOperationException">The entry's dtype is not <c>F64</c>.</exception>
    public double[] ToDoubles()
    {
        RequireDType(SafeTensorDTypes.F64);
        return LittleEndianBytes.ToDoubles(Data);
    }

    private void RequireDType(string expected)
    {
        if (DType != expected)
        {
            throw new InvalidOperationException($"Tensor '{Name}' has dtype {DType}, not {expected}.");
        }
    }

    private static void CheckCount(long[] shape, int valueCount)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Shape [{string.Join(", ", shape)}] has a negative dimension.", nameof(shape));
            }
            count = checked(count * dimension);
        }
        if (count != valueCount)
        {
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] holds {count} elements but {valueCount} values were given.", nameof(shape));
        }
    }
}
