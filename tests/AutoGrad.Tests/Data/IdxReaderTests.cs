using System.Buffers.Binary;
using AutoGrad.Data.Idx;
using AutoGrad.Tests.IO;
using static AutoGrad.Tests.Data.IdxTestFiles;

namespace AutoGrad.Tests.Data;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_UnsignedBytes_RawOrGzipped_ReturnsDimensionsAndData(bool gzipped)
    {
        using var dir = new TempDirectory();
        string path = dir.File("images.idx"); // no .gz suffix: detection is by content
        byte[] pixels = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 10)).ToArray();
        byte[] raw = UBytes([2, 3, 4], pixels);
        File.WriteAllBytes(path, gzipped ? Gzip(raw) : raw);

        IdxArray array = IdxReader.Read(path);

        Assert.Equal(IdxDataType.UnsignedByte, array.DataType);
        Assert.Equal([2, 3, 4], array.Dimensions);
        Assert.Equal(24, array.ElementCount);
        Assert.Equal(pixels, array.GetData<byte>());
    }

    public static TheoryData<IdxDataType, bool> TypesAndCompression()
    {
        var data = new TheoryData<IdxDataType, bool>();
        foreach (IdxDataType type in Enum.GetValues<IdxDataType>())
        {
            data.Add(type, false);
            data.Add(type, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TypesAndCompression))]
    public void Read_EachType_DecodesBigEndianValues(IdxDataType type, bool gzipped)
    {
        double[] values = type == IdxDataType.UnsignedByte ? [0, 1, 200, 255] : [0, 1, -2, 100];
        if (type is IdxDataType.Single or IdxDataType.Double)
        {
            values = [0.5, -1.25, 65536.5, double.NegativeInfinity]; // exact in float32
        }
        byte[] raw = Idx((byte)type, [2, 2], Encode(type, values));
        using var stream = new MemoryStream(gzipped ? Gzip(raw) : raw);

        IdxArray array = IdxReader.Read(stream, "mem");

        Assert.Equal(type, array.DataType);
        Assert.Equal([2, 2], array.Dimensions);
        double[] decoded = array.Data switch
        {
            byte[] b when type == IdxDataType.UnsignedByte => b.Select(v => (double)v).ToArray(),
            sbyte[] s => s.Select(v => (double)v).ToArray(),
            short[] s => s.Select(v => (double)v).ToArray(),
            int[] s => s.Select(v => (double)v).ToArray(),
            float[] s => s.Select(v => (double)v).ToArray(),
            double[] s => s,
            _ => throw new InvalidOperationException(array.Data.GetType().Name),
        };
        Assert.Equal(values, decoded);
    }

    [Fact]
    public void GetData_WrongElementType_ThrowsEvenForSameSizeTypes()
    {
        IdxArray array = IdxReader.Read(new MemoryStream(UBytes([1], [1])));

        var error = Assert.Throws<InvalidOperationException>(() => array.GetData<sbyte>());

        Assert.Equal("The IDX data are UnsignedByte (Byte), not SByte.", error.Message);
    }

    [Fact]
    public void Read_NonSeekableGzippedStream_Reads()
    {
        byte[] gz = Gzip(UBytes([3], [7, 8, 9]));
        using var stream = new NonSeekableStream(gz);

        IdxArray array = IdxReader.Read(stream);

        Assert.Equal(new byte[] { 7, 8, 9 }, array.GetData<byte>());
    }

    [Fact]
    public void Read_GzippedDataLargerThanOneChunk_ReadsAll()
    {
        var pixels = new byte[3 * 1024 * 1024 + 5]; // grows the buffer past 1, 2 MiB
        new Random(1).NextBytes(pixels);

        IdxArray array = IdxReader.Read(new MemoryStream(Gzip(UBytes([pixels.Length], pixels))));

        Assert.Equal(pixels, array.GetData<byte>());
    }

    // ---- corruption: each row runs on a raw and a gzipped file, whose messages differ only where noted ----

    private static readonly byte[] Valid = UBytes([2, 3], [1, 2, 3, 4, 5, 6]);

    public static TheoryData<string, bool, byte[], string> Corruptions()
    {
        var rows = new (string Name, byte[] Bytes, string Raw, string Gzip)[]
        {
            ("empty", [], "the file ends after 0 bytes, inside the 4-byte magic number (truncated?)", "the file ends after 0 bytes"),
            ("3 bytes", [0, 0, 8], "the file ends after 3 bytes, inside the 4-byte magic number", "the decompressed data end after 3 bytes, inside the 4-byte magic number (truncated?)"),
            ("bad magic", [0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 5], "bad magic number 01000801", "bad magic number 01000801"),
            ("text file", "hello world"u8.ToArray(), "bad magic number 68656C6C", "bad magic number 68656C6C"),
            ("unsupported type", Idx(0x0A, [1], [0]), "unsupported data type code 0x0A", "unsupported data type code 0x0A"),
            ("zero dimensions", Idx(0x08, [], []), "the magic number declares 0 dimensions", "declares 0 dimensions"),
            ("dimension sizes cut", UBytes([2, 3], []).AsSpan(0, 9).ToArray(), "the file ends after 9 bytes, inside the 2 dimension sizes that end at byte 12 (truncated?)", "inside the 2 dimension sizes"),
            ("zero dimension", UBytes([2, 0], []), "dimension 1 is 0; dimensions must be positive", "dimension 1 is 0"),
            ("negative dimension", UBytes([-5], []), "dimension 0 is -5; dimensions must be positive", "dimension 0 is -5"),
            ("absurd dimensions", UBytes([65536, 65536, 65536], [1]), "dimensions [65536, 65536, ...] of 1-byte elements exceed the", "exceed the"),
            ("absurd float64 dimension", Idx(0x0E, [int.MaxValue], [1]), "dimensions [2147483647] of 8-byte elements exceed the", "exceed the"),
            ("truncated data", Valid.AsSpan(0, Valid.Length - 1).ToArray(), "dimensions [2, 3] need 6 bytes of data but only 5 follow the header (file truncated?)", "the decompressed data end after 5 of the 6 data bytes that dimensions [2, 3] need (truncated?)"),
            ("no data", Valid.AsSpan(0, 12).ToArray(), "need 6 bytes of data but only 0 follow", "end after 0 of the 6 data bytes"),
            ("trailing garbage", [.. Valid, 0xAB], "1 bytes of trailing data follow the 6 bytes that dimensions [2, 3] need", "the decompressed data go on after the 6 bytes that dimensions [2, 3] need (trailing data)"),
        };
        var data = new TheoryData<string, bool, byte[], string>();
        foreach (var row in rows)
        {
            data.Add(row.Name, false, row.Bytes, row.Raw);
            data.Add(row.Name, true, row.Bytes, row.Gzip);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Read_CorruptFile_ThrowsInvalidDataNamingFileAndProblem(string corruption, bool gzipped, byte[] raw, string expectedProblem)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad-idx1-ubyte");
        File.WriteAllBytes(path, gzipped ? Gzip(raw) : raw);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.StartsWith($"'{path}' is not a valid IDX file: ", error.Message);
        Assert.True(error.Message.Contains(expectedProblem, StringComparison.Ordinal), $"{corruption}: message was: {error.Message}");
    }

    public static TheoryData<string, byte[]> CorruptGzipStreams()
    {
        byte[] gz = Gzip(UBytes([64], Enumerable.Range(0, 64).Select(i => (byte)i).ToArray()));
        byte[] badBlockType = (byte[])gz.Clone();
        badBlockType[10] = 0xFF;                      // first deflate block: BFINAL=1, BTYPE=11 (reserved)
        byte[] badCrc = (byte[])gz.Clone();
        badCrc[^8] ^= 0xFF;                           // the CRC-32 of the gzip trailer
        byte[] badLength = (byte[])gz.Clone();
        badLength[^4] ^= 0x01;                        // ISIZE of the trailer
        return new TheoryData<string, byte[]>
        {
            { "reserved block type", badBlockType },
            { "CRC mismatch", badCrc },
            { "length mismatch", badLength },
        };
    }

    [Theory]
    [MemberData(nameof(CorruptGzipStreams))]
    public void Read_CorruptGzipStream_ThrowsInvalidDataSayingCorruptGzip(string corruption, byte[] file)
    {
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(file), "mnist.gz"));

        Assert.True(error.Message.StartsWith("'mnist.gz' is not a valid IDX file: corrupt gzip stream (", StringComparison.Ordinal), $"{corruption}: message was: {error.Message}");
        Assert.IsType<InvalidDataException>(error.InnerException);
    }

    [Fact]
    public void Read_GzipCutAtEveryByte_ThrowsInvalidData()
    {
        byte[] gz = Gzip(UBytes([2, 8], Enumerable.Range(0, 16).Select(i => (byte)(i * 7)).ToArray()));
        for (int length = 2; length < gz.Length; length++) // from 2: the gzip magic must be there to be gzip
        {
            var error = Record.Exception(() => IdxReader.Read(new MemoryStream(gz, 0, length), "cut.gz"));
            Assert.True(error is InvalidDataException, $"cut at {length} of {gz.Length}: {error?.GetType().Name ?? "no exception"}");
            Assert.StartsWith("'cut.gz' is not a valid IDX file: ", error!.Message);
            Assert.True(
                error.Message.Contains("truncated", StringComparison.Ordinal) || error.Message.Contains("corrupt gzip stream", StringComparison.Ordinal),
                $"cut at {length}: {error.Message}");
        }
    }

    private static byte[] Encode(IdxDataType type, double[] values)
    {
        int size = type switch { IdxDataType.Int16 => 2, IdxDataType.Int32 or IdxDataType.Single => 4, IdxDataType.Double => 8, _ => 1 };
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            Span<byte> at = bytes.AsSpan(i * size);
            switch (type)
            {
                case IdxDataType.UnsignedByte: at[0] = (byte)values[i]; break;
                case IdxDataType.SignedByte: at[0] = unchecked((byte)(sbyte)values[i]); break;
                case IdxDataType.Int16: BinaryPrimitives.WriteInt16BigEndian(at, (short)values[i]); break;
                case IdxDataType.Int32: BinaryPrimitives.WriteInt32BigEndian(at, (int)values[i]); break;
                case IdxDataType.Single: BinaryPrimitives.WriteSingleBigEndian(at, (float)values[i]); break;
                case IdxDataType.Double: BinaryPrimitives.WriteDoubleBigEndian(at, values[i]); break;
            }
        }
        return bytes;
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
