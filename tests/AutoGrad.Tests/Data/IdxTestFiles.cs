using System.Buffers.Binary;
using System.IO.Compression;

namespace AutoGrad.Tests.Data;

/// <summary>Builds IDX bytes by hand from the format description: big-endian magic, dimensions, data.</summary>
internal static class IdxTestFiles
{
    public static byte[] Idx(byte typeCode, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        bytes[2] = typeCode;
        bytes[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        }
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    public static byte[] UBytes(int[] dimensions, byte[] data) => Idx(0x08, dimensions, data);

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }
        return output.ToArray();
    }
}
