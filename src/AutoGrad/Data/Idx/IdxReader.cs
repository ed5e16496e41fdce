using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace AutoGrad.Data.Idx;

/// <summary>
/// Reads files in the IDX format of the MNIST database, raw or gzipped.
/// </summary>
/// <remarks>
/// <para>
/// An IDX file is big-endian: a 4-byte magic number <c>00 00 &lt;type&gt; &lt;ndims&gt;</c> (type codes in
/// <see cref="IdxDataType"/>), then <c>ndims</c> 32-bit dimension sizes, then the elements row-major, and nothing
/// after them. A gzipped file is recognised by its first two bytes (<c>1F 8B</c>), not by its name.
/// </para>
/// <para>
/// Any violation is reported as an <see cref="InvalidDataException"/> whose message reads
/// <c>'{source}' is not a valid IDX file: {problem}.</c>: a bad magic number, an unsupported type code, no
/// dimensions, a dimension that is zero or negative, data too large for one .NET array, data shorter than the
/// dimensions say, bytes after the data, or a corrupt gzip stream. A raw file's length is checked before any data
/// are allocated; a gzipped file's buffer grows only as data actually arrive, so a small corrupt file cannot make
/// the reader allocate gigabytes. A gzipped file must be a single gzip member whose trailer is complete: a file
/// cut short anywhere, even after the last data byte, is reported as truncated.
/// </para>
/// </remarks>
public static class IdxReader
{
    private const int InitialChunk = 1 << 20;

    /// <summary>Reads an IDX file, raw or gzipped.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The element type, dimensions and elements.</returns>
    /// <exception cref="InvalidDataException">The file is not valid IDX; the message names the file and the problem.</exception>
    /// <exception cref="IOException">The file could not be read (e.g. <see cref="FileNotFoundException"/>).</exception>
    public static IdxArray Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        return ReadCore(stream, path);
    }

    /// <summary>Reads IDX data, raw or gzipped, from <paramref name="stream"/> to its end.</summary>
    /// <param name="stream">A readable stream at the first byte of the IDX data; a non-seekable stream is first read to its end into memory.</param>
    /// <param name="sourceName">The name used in error messages, e.g. a file path or URL.</param>
    /// <returns>The element type, dimensions and elements.</returns>
    /// <exception cref="InvalidDataException">The data are not valid IDX; the message names the source and the problem.</exception>
    public static IdxArray Read(Stream stream, string sourceName = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            // Gzip detection peeks at two bytes and rewinds, which needs a seekable stream.
            var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            buffer.Position = 0;
            stream = buffer;
        }
        return ReadCore(stream, sourceName);
    }

    private static IdxArray ReadCore(Stream stream, string source)
    {
        long start = stream.Position;
        Span<byte> peek = stackalloc byte[2];
        int peeked = stream.ReadAtLeast(peek, 2, throwOnEndOfStream: false);
        stream.Position = start;
        bool gzipped = peeked == 2 && peek[0] == 0x1F && peek[1] == 0x8B;

        if (!gzipped)
        {
            return ReadIdx(stream, source, gzipped: false, rawRemaining: stream.Length - start);
        }
        IdxArray array;
        using (var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true))
        {
            array = ReadIdx(gzip, source, gzipped: true, rawRemaining: null);
        }
        CheckGzipTrailer(stream, start, array, source);
        return array;
    }

    /// <summary>
    /// GZipStream verifies a member's CRC-32 and size when its trailer is there, but ends quietly when the input
    /// stops early, even inside the last deflate bytes or the trailer. So the trailer's last field, ISIZE (the
    /// decompressed length mod 2^32), is compared here with what was read.
    /// </summary>
    private static void CheckGzipTrailer(Stream stream, long start, IdxArray array, string source)
    {
        long compressedLength = stream.Length - start;
        int elementSize = array.DataType switch
        {
            IdxDataType.Int16 => 2,
            IdxDataType.Int32 or IdxDataType.Single => 4,
            IdxDataType.Double => 8,
            _ => 1,
        };
        long decompressedLength = 4 + 4L * array.Dimensions.Length + array.ElementCount * elementSize;
        Span<byte> isize = stackalloc byte[4];
        if (compressedLength >= 18) // 10-byte gzip header + 8-byte trailer at the least
        {
            stream.Position = start + compressedLength - 4;
            stream.ReadExactly(isize);
        }
        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(isize);
        if (compressedLength < 18 || declared != unchecked((uint)decompressedLength))
        {
            throw Fail(source, $"the gzip stream is truncated or its trailer is damaged: its last 4 bytes give a size of {declared}, " +
                $"but {decompressedLength} bytes were decompressed (gzip files of several members are not supported)");
        }
    }

    private static IdxArray ReadIdx(Stream stream, string source, bool gzipped, long? rawRemaining)
    {
        string ends = gzipped ? "the decompressed data end" : "the file ends";
        Span<byte> magic = stackalloc byte[4];
        int got = Fill(stream, magic, source, gzipped);
        if (got < 4)
        {
            throw Fail(source, $"{ends} after {got} bytes, inside the 4-byte magic number (truncated?)");
        }
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw Fail(source, $"bad magic number {Convert.ToHexString(magic)}; an IDX file starts 00 00 <type> <ndims>");
        }
        var type = (IdxDataType)magic[2];
        int elementSize = type switch
        {
            IdxDataType.UnsignedByte or IdxDataType.SignedByte => 1,
            IdxDataType.Int16 => 2,
            IdxDataType.Int32 or IdxDataType.Single => 4,
            IdxDataType.Double => 8,
            _ => 0,
        };
        if (elementSize == 0)
        {
            throw Fail(source, $"unsupported data type code 0x{magic[2]:X2} (supported: 08 ubyte, 09 sbyte, 0B int16, 0C int32, 0D float32, 0E float64)");
        }
        int rank = magic[3];
        if (rank == 0)
        {
            throw Fail(source, "the magic number declares 0 dimensions");
        }

        var dimensionBytes = new byte[4 * rank];
        got = Fill(stream, dimensionBytes, source, gzipped);
        if (got < dimensionBytes.Length)
        {
            throw Fail(source, $"{ends} after {4 + got} bytes, inside the {rank} dimension sizes that end at byte {4 + dimensionBytes.Length} (truncated?)");
        }
        var dimensions = new int[rank];
        long byteCount = elementSize;
        for (int i = 0; i < rank; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(dimensionBytes.AsSpan(4 * i));
            if (dimensions[i] <= 0)
            {
                throw Fail(source, $"dimension {i} is {dimensions[i]}; dimensions must be positive");
            }
            // Checked against the cap at every step, so the product never overflows a long.
            byteCount *= dimensions[i];
            if (byteCount > Array.MaxLength)
            {
                throw Fail(source, $"dimensions [{string.Join(", ", dimensions.Take(i + 1))}{(i + 1 < rank ? ", ..." : "")}] of {elementSize}-byte elements exceed the {Array.MaxLength} bytes one array can hold");
            }
        }
        string shape = $"[{string.Join(", ", dimensions)}]";
        long headerLength = 4 + 4L * rank;

        if (rawRemaining is { } remaining)
        {
            long dataAvailable = remaining - headerLength;
            if (dataAvailable < byteCount)
            {
                throw Fail(source, $"dimensions {shape} need {byteCount} bytes of data but only {dataAvailable} follow the header (file truncated?)");
            }
            if (dataAvailable > byteCount)
            {
                throw Fail(source, $"{dataAvailable - byteCount} bytes of trailing data follow the {byteCount} bytes that dimensions {shape} need");
            }
        }

        byte[] data = ReadData(stream, (int)byteCount, source, gzipped, shape);
        if (gzipped)
        {
            Span<byte> extra = stackalloc byte[1];
            if (Fill(stream, extra, source, gzipped) != 0)
            {
                throw Fail(source, $"the decompressed data go on after the {byteCount} bytes that dimensions {shape} need (trailing data)");
            }
        }
        return new IdxArray(type, dimensions, ToElements(type, data));
    }

    private static byte[] ReadData(Stream stream, int byteCount, string source, bool gzipped, string shape)
    {
        // Raw files were length-checked already, so the exact array is safe; decompressed data grow in chunks.
        var buffer = new byte[gzipped ? Math.Min(byteCount, InitialChunk) : byteCount];
        int filled = 0;
        while (true)
        {
            int got = Fill(stream, buffer.AsSpan(filled), source, gzipped);
            filled += got;
            if (filled == byteCount)
            {
                return buffer;
            }
            if (filled < buffer.Length)
            {
                string ends = gzipped ? "the decompressed data end" : "the file ends";
                throw Fail(source, $"{ends} after {filled} of the {byteCount} data bytes that dimensions {shape} need (truncated?)");
            }
            Array.Resize(ref buffer, (int)Math.Min(byteCount, 2L * buffer.Length));
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the count read.</summary>
    private static int Fill(Stream stream, Span<byte> buffer, string source, bool gzipped)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e) when (gzipped)
        {
            // Only GZipStream throws this here: our own format errors are raised outside this method.
            throw Fail(source, $"corrupt gzip stream ({e.Message})", e);
        }
    }

    private static Array ToElements(IdxDataType type, byte[] bytes)
    {
        switch (type)
        {
            case IdxDataType.UnsignedByte:
                return bytes;
            case IdxDataType.SignedByte:
                return MemoryMarshal.Cast<byte, sbyte>(bytes).ToArray();
            case IdxDataType.Int16:
            {
                short[] values = MemoryMarshal.Cast<byte, short>(bytes).ToArray();
                if (BitConverter.IsLittleEndian)
                {
                    BinaryPrimitives.ReverseEndianness(values, values);
                }
                return values;
            }
            case IdxDataType.Int32:
            {
                int[] values = MemoryMarshal.Cast<byte, int>(bytes).ToArray();
                if (BitConverter.IsLittleEndian)
                {
                    BinaryPrimitives.ReverseEndianness(values, values);
                }
                return values;
            }
            case IdxDataType.Single:
            {
                float[] values = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
                if (BitConverter.IsLittleEndian)
                {
                    Span<int> bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
                    BinaryPrimitives.ReverseEndianness(bits, bits);
                }
                return values;
            }
            case IdxDataType.Double:
            {
                double[] values = MemoryMarshal.Cast<byte, double>(bytes).ToArray();
                if (BitConverter.IsLittleEndian)
                {
                    Span<long> bits = MemoryMarshal.Cast<double, long>(values.AsSpan());
                    BinaryPrimitives.ReverseEndianness(bits, bits);
                }
                return values;
            }
            default:
                throw new InvalidOperationException($"Unhandled IDX type {type}."); // unreachable: checked by the caller
        }
    }

    /// <summary>The one shape of every format error: <c>'{source}' is not a valid IDX file: {problem}.</c></summary>
    private static InvalidDataException Fail(string source, string problem, Exception? inner = null) =>
        new($"'{source}' is not a valid IDX file: {problem}.", inner);
}
