using System.Buffers.Binary;
using AutoGrad.Tensors;

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

    /// <summary>
    /// Creates an entry from a tensor of any dtype: float32 → <c>F32</c>, float64 → <c>F64</c>, int64 → <c>I64</c>,
    /// int32 → <c>I32</c>, bool → <c>BOOL</c> (one byte, 0 or 1), uint8 → <c>U8</c>.
    /// </summary>
    /// <param name="name">The tensor's key.</param>
    /// <param name="tensor">The tensor; its values are copied.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="InvalidOperationException">The tensor is a traced value without data.</exception>
    public static SafeTensorEntry FromTensor(string name, Tensors.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.CheckConcrete("SafeTensorEntry.FromTensor");
        long[] shape = [.. tensor.Shape.ToArray().Select(d => (long)d)];
        return tensor.ReadElements() switch
        {
            float[] f => FromSingles(name, shape, f),
            double[] d => FromDoubles(name, shape, d),
            long[] l => new SafeTensorEntry(name, SafeTensorDTypes.I64, shape, Bytes<long>(l, (v, s) => BinaryPrimitives.WriteInt64LittleEndian(s, v))),
            int[] n => new SafeTensorEntry(name, SafeTensorDTypes.I32, shape, Bytes<int>(n, (v, s) => BinaryPrimitives.WriteInt32LittleEndian(s, v))),
            bool[] b => new SafeTensorEntry(name, SafeTensorDTypes.Bool, shape, [.. b.Select(v => v ? (byte)1 : (byte)0)]),
            byte[] u => new SafeTensorEntry(name, SafeTensorDTypes.U8, shape, (byte[])u.Clone()),
            var other => throw new NotSupportedException($"SafeTensorEntry.FromTensor: no safetensors dtype for {other.GetType().Name}."),
        };
    }

    /// <summary>The tensor dtype an entry dtype name decodes to, or null when AutoGrad has no such tensor dtype.</summary>
    /// <param name="dtype">A safetensors dtype name.</param>
    public static Tensors.DType? TensorDTypeOf(string dtype) => dtype switch
    {
        SafeTensorDTypes.F32 => Tensors.DType.Float32,
        SafeTensorDTypes.F64 => Tensors.DType.Float64,
        SafeTensorDTypes.I64 => Tensors.DType.Int64,
        SafeTensorDTypes.I32 => Tensors.DType.Int32,
        SafeTensorDTypes.Bool => Tensors.DType.Bool,
        SafeTensorDTypes.U8 => Tensors.DType.UInt8,
        _ => null,
    };

    /// <summary>Decodes an <c>F32</c>, <c>F64</c>, <c>I64</c>, <c>I32</c>, <c>BOOL</c> or <c>U8</c> entry into a tensor of its shape.</summary>
    /// <returns>A new tensor.</returns>
    /// <exception cref="InvalidOperationException">The dtype has no tensor counterpart, or the shape does not fit an <see cref="int"/>.</exception>
    /// <exception cref="InvalidDataException">The data length does not match the shape, or a <c>BOOL</c> byte is neither 0 nor 1.</exception>
    public Tensors.Tensor ToTensor()
    {
        if (TensorDTypeOf(DType) is not { } dtype)
        {
            throw new InvalidOperationException($"Tensor '{Name}' has dtype {DType}, which has no tensor counterpart (F32, F64, I64, I32, BOOL or U8).");
        }

        if (Shape.Any(d => d is < 0 or > int.MaxValue) || ElementCount > Array.MaxLength)
        {
            throw new InvalidOperationException($"Tensor '{Name}' has shape [{string.Join(", ", Shape)}], too large for a tensor.");
        }

        var shape = new Tensors.Shape([.. Shape.Select(d => (int)d)]);
        if (Data.LongLength != ElementCount * dtype.ElementSize())
        {
            throw new InvalidDataException($"Tensor '{Name}' ({DType} [{string.Join(", ", Shape)}]) needs {ElementCount * dtype.ElementSize()} bytes but has {Data.LongLength}.");
        }

        Array values = dtype switch
        {
            Tensors.DType.Float32 => ToSingles(),
            Tensors.DType.Float64 => ToDoubles(),
            Tensors.DType.Int64 => Values(8, s => BinaryPrimitives.ReadInt64LittleEndian(s)),
            Tensors.DType.Int32 => Values(4, s => BinaryPrimitives.ReadInt32LittleEndian(s)),
            Tensors.DType.Bool => Flags(),
            _ => (byte[])Data.Clone(),
        };
        return new Tensors.Tensor(values, shape);
    }

    private delegate void Writer<T>(T value, Span<byte> destination);

    private static byte[] Bytes<T>(T[] values, Writer<T> write)
        where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            write(values[i], bytes.AsSpan(i * size, size));
        }

        return bytes;
    }

    private T[] Values<T>(int size, Func<ReadOnlySpan<byte>, T> read)
    {
        var values = new T[Data.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = read(Data.AsSpan(i * size, size));
        }

        return values;
    }

    // A BOOL byte other than 0 or 1 is a corrupt file (as safetensors' own readers treat it), not "true".
    private bool[] Flags()
    {
        var flags = new bool[Data.Length];
        for (int i = 0; i < flags.Length; i++)
        {
            flags[i] = Data[i] switch
            {
                0 => false,
                1 => true,
                _ => throw new InvalidDataException($"Tensor '{Name}' (BOOL): byte {Data[i]} at element {i} is neither 0 nor 1."),
            };
        }

        return flags;
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
