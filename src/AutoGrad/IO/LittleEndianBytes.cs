using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace AutoGrad.IO;

/// <summary>
/// Converts <see cref="float"/> and <see cref="double"/> values to and from little-endian bytes, the byte order
/// of safetensors data. On little-endian hosts (all current .NET platforms) this is one memory copy; on a
/// big-endian host every element is byte-swapped.
/// </summary>
public static class LittleEndianBytes
{
    /// <summary>Encodes <paramref name="values"/> as 4 little-endian bytes each.</summary>
    /// <param name="values">The values, in order.</param>
    /// <returns>A new array of <c>4 × values.Length</c> bytes.</returns>
    public static byte[] FromSingles(ReadOnlySpan<float> values)
    {
        var bytes = new byte[checked(values.Length * sizeof(float))];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
            }
        }
        return bytes;
    }

    /// <summary>Encodes <paramref name="values"/> as 8 little-endian bytes each.</summary>
    /// <param name="values">The values, in order.</param>
    /// <returns>A new array of <c>8 × values.Length</c> bytes.</returns>
    public static byte[] FromDoubles(ReadOnlySpan<double> values)
    {
        var bytes = new byte[checked(values.Length * sizeof(double))];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), values[i]);
            }
        }
        return bytes;
    }

    /// <summary>Decodes little-endian bytes, 4 per value.</summary>
    /// <param name="bytes">The encoded values; the length must be a multiple of 4.</param>
    /// <returns>A new array of <c>bytes.Length / 4</c> values.</returns>
    /// <exception cref="ArgumentException">The length of <paramref name="bytes"/> is not a multiple of 4.</exception>
    public static float[] ToSingles(ReadOnlySpan<byte> bytes)
    {
        CheckMultiple(bytes.Length, sizeof(float));
        var values = new float[bytes.Length / sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float)));
            }
        }
        return values;
    }

    /// <summary>Decodes little-endian bytes, 8 per value.</summary>
    /// <param name="bytes">The encoded values; the length must be a multiple of 8.</param>
    /// <returns>A new array of <c>bytes.Length / 8</c> values.</returns>
    /// <exception cref="ArgumentException">The length of <paramref name="bytes"/> is not a multiple of 8.</exception>
    public static double[] ToDoubles(ReadOnlySpan<byte> bytes)
    {
        CheckMultiple(bytes.Length, sizeof(double));
        var values = new double[bytes.Length / sizeof(double)];
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i * sizeof(double)));
            }
        }
        return values;
    }

    private static void CheckMultiple(int length, int elementSize)
    {
        if (length % elementSize != 0)
        {
            throw new ArgumentException($"{length} bytes is not a whole number of {elementSize}-byte values.", "bytes");
        }
    }
}
