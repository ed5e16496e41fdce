using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using AutoGrad.IO;

namespace AutoGrad.Tests.IO;

public class SafeTensorsFileTests
{
    private const string Source = "corrupt.safetensors";

    // ---- round trips ----

    public static TheoryData<string, long[]> RoundTripShapes => new()
    {
        { SafeTensorDTypes.F32, [2, 3] },
        { SafeTensorDTypes.F64, [2, 3] },
        { SafeTensorDTypes.F32, [] },        // 0-D scalar: one element
        { SafeTensorDTypes.F64, [] },
        { SafeTensorDTypes.F32, [0] },       // empty: no bytes in the buffer
        { SafeTensorDTypes.F64, [3, 0, 2] },
        { SafeTensorDTypes.F32, [1, 1, 1, 5] },
    };

    [Theory]
    [MemberData(nameof(RoundTripShapes))]
    public void SaveLoad_OneTensor_RoundTripsValuesShapeAndDType(string dtype, long[] shape)
    {
        using var dir = new TempDirectory();
        string path = dir.File("t.safetensors");
        int count = (int)shape.Aggregate(1L, (a, b) => a * b);
        double[] values = Enumerable.Range(0, count).Select(i => i * 0.25 - 1.5).ToArray();
        SafeTensorEntry entry = dtype == SafeTensorDTypes.F32
            ? SafeTensorEntry.FromSingles("w", shape, values.Select(v => (float)v).ToArray())
            : SafeTensorEntry.FromDoubles("w", shape, values);

        SafeTensorsFile.Save(path, [entry]);
        SafeTensorsContent loaded = SafeTensorsFile.Load(path);

        SafeTensorEntry back = Assert.Single(loaded.Entries);
        Assert.Equal("w", back.Name);
        Assert.Equal(dtype, back.DType);
        Assert.Equal(shape, back.Shape);
        Assert.Equal(count, back.ElementCount);
        double[] decoded = dtype == SafeTensorDTypes.F32 ? back.ToSingles().Select(v => (double)v).ToArray() : back.ToDoubles();
        Assert.Equal(values, decoded);
        Assert.Empty(loaded.Metadata);
        Assert.Equal(["t.safetensors"], dir.FileNames());
    }

    [Fact]
    public void SaveLoad_MixedTensorsAndMetadata_RoundTripAndOrderByElementSizeThenName()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.safetensors");
        SafeTensorEntry[] entries =
        [
            SafeTensorEntry.FromSingles("layer1.bias", [3], [0.5f, -0.5f, float.NaN]),
            SafeTensorEntry.FromDoubles("scale", [], [Math.PI]),
            SafeTensorEntry.FromSingles("layer1.weight", [3, 1], [1f, float.PositiveInfinity, -0f]),
            new SafeTensorEntry("mask", SafeTensorDTypes.U8, [2], [1, 0]),
            SafeTensorEntry.FromSingles("empty", [0, 4], []),
        ];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "3", ["note"] = "ünïcode \"quoted\"" };

        SafeTensorsFile.Save(path, entries, metadata);
        SafeTensorsContent loaded = SafeTensorsFile.Load(path);

        Assert.Equal(["scale", "empty", "layer1.bias", "layer1.weight", "mask"], loaded.Entries.Select(e => e.Name));
        Assert.Equal(metadata.OrderBy(p => p.Key), loaded.Metadata.OrderBy(p => p.Key));
        Assert.Equal([Math.PI], loaded["scale"].ToDoubles());
        Assert.Equal([0.5f, -0.5f, float.NaN], loaded["layer1.bias"].ToSingles());
        float[] weight = loaded["layer1.weight"].ToSingles();
        Assert.Equal([1f, float.PositiveInfinity, 0f], weight);
        Assert.True(float.IsNegative(weight[2]), "-0 keeps its sign bit");
        Assert.Equal(new byte[] { 1, 0 }, loaded["mask"].Data);
        Assert.Equal([0L, 4L], loaded["empty"].Shape);
        Assert.Empty(loaded["empty"].Data);
        Assert.False(loaded.TryGetEntry("missing", out _));
        var missing = Assert.Throws<KeyNotFoundException>(() => loaded["missing"]);
        Assert.Contains("'scale'", missing.Message);
    }

    [Fact]
    public void Serialize_SameInputInAnyOrder_GivesIdenticalBytes()
    {
        SafeTensorEntry a = SafeTensorEntry.FromSingles("a", [2], [1f, 2f]);
        SafeTensorEntry b = SafeTensorEntry.FromDoubles("b", [1], [3.0]);
        var m1 = new Dictionary<string, string> { ["x"] = "1", ["y"] = "2" };
        var m2 = new Dictionary<string, string> { ["y"] = "2", ["x"] = "1" };

        Assert.Equal(SafeTensorsFile.Serialize([a, b], m1), SafeTensorsFile.Serialize([b, a], m2));
    }

    // ---- the written header, checked against the spec independently of the reader ----

    [Fact]
    public void Serialize_Header_FollowsTheSpec()
    {
        SafeTensorEntry[] entries =
        [
            SafeTensorEntry.FromSingles("w", [2, 3], [1, 2, 3, 4, 5, 6]),
            SafeTensorEntry.FromSingles("b", [3], [7, 8, 9]),
            SafeTensorEntry.FromDoubles("s", [], [0.5]),
            new SafeTensorEntry("flags", SafeTensorDTypes.U8, [3], [1, 2, 3]),
        ];
        byte[] file = SafeTensorsFile.Serialize(entries, new Dictionary<string, string> { ["format"] = "pt" });

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, n % 8);                                  // padded so the data start 8-aligned
        byte[] headerBytes = file.AsSpan(8, (int)n).ToArray();
        Assert.Equal((byte)'{', headerBytes[0]);
        string headerText = Encoding.UTF8.GetString(headerBytes);
        string trimmed = headerText.TrimEnd(' ');
        Assert.EndsWith("}", trimmed);
        Assert.True(headerText[trimmed.Length..].All(c => c == ' '), "padding is spaces only");

        using JsonDocument doc = JsonDocument.Parse(trimmed);
        JsonProperty[] properties = doc.RootElement.EnumerateObject().ToArray();
        Assert.Equal(["__metadata__", "s", "b", "w", "flags"], properties.Select(p => p.Name));
        Assert.Equal("pt", properties[0].Value.GetProperty("format").GetString());

        long dataLength = file.Length - 8 - (long)n;
        long expectedBegin = 0;
        var expected = new (string DType, long[] Shape, int Size)[]
        {
            ("F64", [], 8), ("F32", [3], 12), ("F32", [2, 3], 24), ("U8", [3], 3),
        };
        for (int i = 1; i < properties.Length; i++)
        {
            JsonElement info = properties[i].Value;
            Assert.Equal(["dtype", "shape", "data_offsets"], info.EnumerateObject().Select(p => p.Name));
            Assert.Equal(expected[i - 1].DType, info.GetProperty("dtype").GetString());
            Assert.Equal(expected[i - 1].Shape, info.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
            long[] offsets = info.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal([expectedBegin, expectedBegin + expected[i - 1].Size], offsets);
            int elementSize = SafeTensorDTypes.ElementSize(expected[i - 1].DType);
            Assert.Equal(0, (8 + (long)n + offsets[0]) % elementSize);  // aligned to the element size in the file
            expectedBegin = offsets[1];
        }
        Assert.Equal(dataLength, expectedBegin);                    // contiguous from 0, covering the buffer

        // The data themselves are little-endian and row-major.
        long wBegin = 8 + (long)n + 8 + 12;
        Assert.Equal(4f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan((int)wBegin + 3 * 4)));
        Assert.Equal(new byte[] { 0, 0, 0x80, 0x3F }, file.AsSpan((int)wBegin, 4).ToArray()); // 1.0f
    }

    // ---- a file built by hand from the spec ----

    [Fact]
    public void Load_HandBuiltFile_ReadsTensorsInDataOrder()
    {
        using var dir = new TempDirectory();
        string path = dir.File("hand.safetensors");
        // Header order differs from data order, the header is not padded, and the data are unaligned.
        string header = """{"b":{"dtype":"F32","shape":[],"data_offsets":[16,20]},"__metadata__":{"k":"v"},"a":{"dtype":"F64","shape":[2,1],"data_offsets":[0,16]},"c":{"dtype":"I16","shape":[1],"data_offsets":[20,22]}}""";
        byte[] data = new byte[22];
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(0), -2.5);
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8), 1e300);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(16), 0.125f);
        BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(20), -7);
        File.WriteAllBytes(path, Raw(header, data));

        SafeTensorsContent content = SafeTensorsFile.Load(path);

        Assert.Equal(["a", "b", "c"], content.Entries.Select(e => e.Name));
        Assert.Equal([-2.5, 1e300], content["a"].ToDoubles());
        Assert.Equal([2L, 1L], content["a"].Shape);
        Assert.Equal([0.125f], content["b"].ToSingles());
        Assert.Empty(content["b"].Shape);
        Assert.Equal(-7, BinaryPrimitives.ReadInt16LittleEndian(content["c"].Data));
        Assert.Equal("v", content.Metadata["k"]);
    }

    [Fact]
    public void Read_NonSeekableStream_ReadsLikeBytes()
    {
        byte[] file = SafeTensorsFile.Serialize([SafeTensorEntry.FromSingles("x", [2], [1f, 2f])]);
        using var stream = new NonSeekableStream(file);

        SafeTensorsContent content = SafeTensorsFile.Read(stream);

        Assert.Equal([1f, 2f], content["x"].ToSingles());
    }

    // ---- corruption: one row per rule of the format ----

    private static byte[] Data(int length) => Enumerable.Range(0, length).Select(i => (byte)i).ToArray();

    public static TheoryData<string, byte[], string> Corruptions => new()
    {
        { "shorter than 8 bytes", [1, 2, 3], "3 bytes long, shorter than the 8-byte header length" },
        { "empty file", [], "0 bytes long" },
        { "header length over the 100 MB limit", WithLength(100_000_001, [(byte)'{']), "header length 100000001 exceeds the limit of 100000000 bytes" },
        { "header length 2^64-1", WithLength(ulong.MaxValue, [(byte)'{']), "header length 18446744073709551615 exceeds the limit" },
        { "header length past the end", WithLength(1000, "{}"u8.ToArray()), "header length 1000 runs past the end of the file, which has only 2 bytes" },
        { "empty header", WithLength(0, []), "the header is empty" },
        { "header not starting with a brace", Raw("[1, 2]", []), "starts with byte 0x5B, not '{'" },
        { "header with a byte-order mark", Raw("\uFEFF{}", []), "starts with byte 0xEF" },
        { "header not UTF-8", WithLength(6, [(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'}']), "not valid UTF-8 (bad byte at header offset 2)" },
        { "header not JSON", Raw("""{"a": """, []), "the header is not valid JSON" },
        { "header with trailing garbage", Raw("""{} x""", []), "the header is not valid JSON" },
        { "header with a trailing comma", Raw("""{"__metadata__":{},}""", []), "the header is not valid JSON" },
        { "duplicate tensor key", Raw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", Data(2)), "the key 'a' twice" },
        { "duplicate metadata key", Raw("""{"__metadata__":{"k":"1","k":"2"}}""", []), "the metadata has the key 'k' twice" },
        { "metadata not an object", Raw("""{"__metadata__":["x"]}""", []), "'__metadata__' is a JSON Array, not an object of strings" },
        { "metadata value not a string", Raw("""{"__metadata__":{"epoch":3}}""", []), "metadata 'epoch' is a JSON Number, not a string" },
        { "tensor info not an object", Raw("""{"a":[0,1]}""", Data(1)), "tensor 'a' is a JSON Array, not an object" },
        { "missing dtype", Raw("""{"a":{"shape":[1],"data_offsets":[0,1]}}""", Data(1)), "tensor 'a' has no 'dtype'" },
        { "missing shape", Raw("""{"a":{"dtype":"U8","data_offsets":[0,1]}}""", Data(1)), "tensor 'a' has no 'shape'" },
        { "missing data_offsets", Raw("""{"a":{"dtype":"U8","shape":[1]}}""", Data(1)), "tensor 'a' has no 'data_offsets'" },
        { "duplicate field", Raw("""{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", Data(1)), "tensor 'a' has the field 'dtype' twice" },
        { "dtype not a string", Raw("""{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}""", Data(4)), "'dtype' is a JSON Number, not a string" },
        { "unknown dtype", Raw("""{"a":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}""", Data(4)), "tensor 'a' has unknown dtype 'F99' (known: BOOL, U8" },
        { "lowercase dtype", Raw("""{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}""", Data(4)), "unknown dtype 'f32'" },
        { "shape not an array", Raw("""{"a":{"dtype":"U8","shape":"1","data_offsets":[0,1]}}""", Data(1)), "'shape' is a JSON String, not an array of non-negative integers" },
        { "negative dimension", Raw("""{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}""", Data(1)), "'shape' element 0 is -1, not a non-negative integer" },
        { "fractional dimension", Raw("""{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}""", Data(1)), "'shape' element 0 is 1.5" },
        { "dimension as a string", Raw("""{"a":{"dtype":"U8","shape":["1"],"data_offsets":[0,1]}}""", Data(1)), "'shape' element 0 is \"1\"" },
        { "shape overflowing 64 bits", Raw("""{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,4]}}""", Data(4)), "too many elements to address" },
        { "data_offsets with 3 numbers", Raw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}""", Data(1)), "'data_offsets' has 3 elements, not 2" },
        { "data_offsets too large for a long", Raw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,18446744073709551615]}}""", Data(1)), "'data_offsets' element 1 is 18446744073709551615" },
        { "data_offsets reversed", Raw("""{"a":{"dtype":"U8","shape":[0],"data_offsets":[1,0]}}""", Data(1)), "data_offsets [1, 0] that end before they begin" },
        { "size differs from shape × dtype", Raw("""{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}""", Data(20)), "tensor 'w' has data_offsets [0, 20] holding 20 bytes, but F32 [2, 3] needs 24" },
        { "offsets past the data", Raw("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", Data(5)), "data_offsets [0, 8] past the end of the 5-byte data buffer (file truncated?)" },
        { "overlapping tensors", Raw("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", Data(8)), "tensor 'b' at data_offsets [4, 8] overlaps tensor 'a' at [0, 8]" },
        { "same range twice", Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", Data(4)), "overlaps" },
        { "gap before the first tensor", Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", Data(8)), "bytes [0, 4) of the data buffer, before tensor 'a', belong to no tensor" },
        { "gap between tensors", Raw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}""", Data(3)), "bytes [1, 2) of the data buffer, before tensor 'b', belong to no tensor" },
        { "bytes after the last tensor", Raw("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", Data(4)), "the last 3 bytes of the 4-byte data buffer (from offset 1) belong to no tensor" },
        { "data but no tensors", Raw("""{}""", Data(2)), "the last 2 bytes of the 2-byte data buffer" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Deserialize_CorruptFile_ThrowsInvalidDataNamingSourceAndProblem(string corruption, byte[] file, string expectedProblem)
    {
        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Deserialize(file, Source));

        Assert.StartsWith($"'{Source}' is not a valid safetensors file: ", error.Message);
        Assert.True(error.Message.Contains(expectedProblem, StringComparison.Ordinal), $"{corruption}: message was: {error.Message}");
    }

    [Fact]
    public void Load_CorruptFile_MessageNamesThePath()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Load(path));

        Assert.Contains($"'{path}'", error.Message);
    }

    private static readonly byte[] ValidFile = SafeTensorsFile.Serialize(
        [
            SafeTensorEntry.FromSingles("w", [2, 2], [1f, 2f, 3f, 4f]),
            SafeTensorEntry.FromDoubles("b", [1], [5.0]),
            new SafeTensorEntry("m", SafeTensorDTypes.U8, [3], [1, 2, 3]),
        ],
        new Dictionary<string, string> { ["format"] = "pt" });

    public static TheoryData<int> TruncationLengths()
    {
        var data = new TheoryData<int>();
        for (int length = 0; length < ValidFile.Length; length++)
        {
            data.Add(length);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TruncationLengths))]
    public void Deserialize_TruncatedAtAnyByte_ThrowsInvalidData(int length)
    {
        byte[] truncated = ValidFile.AsSpan(0, length).ToArray();

        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Deserialize(truncated, Source));

        Assert.StartsWith($"'{Source}' is not a valid safetensors file: ", error.Message);
        long headerEnd = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(ValidFile);
        string expected = length < 8 ? "shorter than the 8-byte header length"
            : length < headerEnd ? "runs past the end of the file"
            : "past the end of the";
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Deserialize_ValidFileUntruncated_Loads()
    {
        SafeTensorsContent content = SafeTensorsFile.Deserialize(ValidFile, Source);

        Assert.Equal(["b", "w", "m"], content.Entries.Select(e => e.Name));
    }

    // ---- invalid arguments on save ----

    public static TheoryData<string, SafeTensorEntry[], string> InvalidEntries => new()
    {
        { "duplicate names", [SafeTensorEntry.FromSingles("a", [1], [1f]), SafeTensorEntry.FromDoubles("a", [1], [1.0])], "Two entries are named 'a'" },
        { "reserved name", [SafeTensorEntry.FromSingles("__metadata__", [1], [1f])], "reserved for metadata" },
        { "unknown dtype", [new SafeTensorEntry("a", "F12", [1], [0])], "unknown dtype 'F12'" },
        { "data length mismatch", [new SafeTensorEntry("a", SafeTensorDTypes.F32, [2], new byte[7])], "(F32 [2]) needs 8 bytes but has 7" },
        { "negative dimension", [new SafeTensorEntry("a", SafeTensorDTypes.U8, [-1], [])], "negative dimension" },
    };

    [Theory]
    [MemberData(nameof(InvalidEntries))]
    public void Save_InvalidEntries_ThrowsArgumentAndKeepsOldFile(string problem, SafeTensorEntry[] entries, string expectedMessage)
    {
        using var dir = new TempDirectory();
        string path = dir.File("keep.safetensors");
        File.WriteAllBytes(path, ValidFile);

        var error = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(path, entries));

        Assert.True(error.Message.Contains(expectedMessage, StringComparison.Ordinal), $"{problem}: message was: {error.Message}");
        Assert.Equal(ValidFile, File.ReadAllBytes(path));
        Assert.Equal(["keep.safetensors"], dir.FileNames());
    }

    [Fact]
    public void FromSingles_CountDiffersFromShape_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => SafeTensorEntry.FromSingles("a", [2, 2], [1f, 2f, 3f]));

        Assert.Contains("holds 4 elements but 3 values were given", error.Message);
    }

    [Fact]
    public void ToSingles_OnF64Entry_ThrowsNamingBothDTypes()
    {
        SafeTensorEntry entry = SafeTensorEntry.FromDoubles("d", [1], [1.0]);

        var error = Assert.Throws<InvalidOperationException>(() => entry.ToSingles());

        Assert.Equal("Tensor 'd' has dtype F64, not F32.", error.Message);
    }

    // ---- helpers ----

    /// <summary>A file from a header text (not padded) and a data buffer, written byte by byte per the spec.</summary>
    internal static byte[] Raw(string header, byte[] data)
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        return WithLength((ulong)headerBytes.Length, [.. headerBytes, .. data]);
    }

    internal static byte[] WithLength(ulong declaredHeaderLength, byte[] rest)
    {
        var file = new byte[8 + rest.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredHeaderLength);
        rest.CopyTo(file, 8);
        return file;
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
