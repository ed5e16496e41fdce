using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AutoGrad.IO;

/// <summary>
/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors).
/// </summary>
/// <remarks>
/// <para>Layout of a file:</para>
/// <list type="number">
/// <item>8 bytes: the header length <c>N</c>, an unsigned 64-bit little-endian integer;</item>
/// <item><c>N</c> bytes: a UTF-8 JSON object, starting with <c>{</c> and possibly padded with trailing spaces,
/// mapping each tensor name to <c>{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}</c>, plus an
/// optional <c>"__metadata__"</c> object of string values;</item>
/// <item>the data buffer: every tensor's little-endian, row-major, packed bytes at <c>[begin, end)</c> relative to
/// the buffer's start. The ranges are contiguous, do not overlap and cover the whole buffer.</item>
/// </list>
/// <para>
/// Writing is deterministic: as in the reference implementation, tensors are laid out by decreasing element
/// size, then by name (ordinal), and listed in that order in the header after <c>__metadata__</c> (whose keys are
/// sorted ordinally); the header is padded with spaces to a multiple of 8 bytes. So every tensor's data start at
/// a multiple of its element size from the file's start.
/// </para>
/// <para>
/// Reading checks everything before it allocates tensor data, and reports any violation as a
/// <see cref="InvalidDataException"/> whose message reads
/// <c>'{source}' is not a valid safetensors file: {problem}.</c>: a file shorter than 8 bytes, a
/// header longer than <see cref="MaxHeaderBytes"/> or than the file, a header that is not UTF-8, not JSON or not
/// an object, duplicate keys, missing or mistyped fields, unknown dtypes, ranges whose size differs from
/// <c>product(shape) × element size</c>, ranges that are reversed, overlap, leave gaps, run past the data or do
/// not cover it. Fields other than <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> are ignored.
/// </para>
/// </remarks>
public static class SafeTensorsFile
{
    /// <summary>The largest header accepted, in bytes: 100 MB, the limit of the reference implementation.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The reserved header key of the metadata object.</summary>
    public const string MetadataKey = "__metadata__";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes a safetensors file atomically (see <see cref="AtomicFile"/>): the old file survives any failure.</summary>
    /// <param name="path">The file to write; its directory must exist.</param>
    /// <param name="entries">The tensors; names must be unique and not <c>__metadata__</c>.</param>
    /// <param name="metadata">Optional string pairs stored as <c>__metadata__</c>; omitted from the header when null or empty.</param>
    /// <exception cref="ArgumentException">An entry is invalid: unknown dtype, negative dimension, data length not
    /// matching shape and dtype, duplicate or reserved name.</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public static void Save(string path, IReadOnlyList<SafeTensorEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        // Validate before creating the temporary file, so bad arguments never touch the disk.
        List<SafeTensorEntry> ordered = OrderForWriting(entries);
        byte[] header = BuildHeader(ordered, metadata);
        AtomicFile.Write(path, stream => WriteOrdered(stream, header, ordered));
    }

    /// <summary>Writes safetensors bytes to <paramref name="stream"/>, starting at its current position.</summary>
    /// <param name="stream">A writable stream; it is not closed.</param>
    /// <param name="entries">The tensors; names must be unique and not <c>__metadata__</c>.</param>
    /// <param name="metadata">Optional string pairs stored as <c>__metadata__</c>.</param>
    /// <exception cref="ArgumentException">An entry is invalid (see <see cref="Save"/>).</exception>
    public static void Write(Stream stream, IReadOnlyList<SafeTensorEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        List<SafeTensorEntry> ordered = OrderForWriting(entries);
        WriteOrdered(stream, BuildHeader(ordered, metadata), ordered);
    }

    /// <summary>Encodes tensors and metadata as the bytes of a safetensors file.</summary>
    /// <param name="entries">The tensors; names must be unique and not <c>__metadata__</c>.</param>
    /// <param name="metadata">Optional string pairs stored as <c>__metadata__</c>.</param>
    /// <returns>The whole file content.</returns>
    /// <exception cref="ArgumentException">An entry is invalid (see <see cref="Save"/>).</exception>
    public static byte[] Serialize(IReadOnlyList<SafeTensorEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new MemoryStream();
        Write(stream, entries, metadata);
        return stream.ToArray();
    }

    /// <summary>Reads and validates a safetensors file.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The tensors in data order, and the metadata.</returns>
    /// <exception cref="InvalidDataException">The file breaks the format; the message names the file and the problem.</exception>
    /// <exception cref="NotSupportedException">A single tensor holds more bytes than a .NET array can.</exception>
    /// <exception cref="IOException">The file could not be read (e.g. <see cref="FileNotFoundException"/>).</exception>
    public static SafeTensorsContent Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            // Opening a directory as a file reports "Access denied", which sends people looking at permissions.
            throw new IOException($"Cannot load '{Path.GetFullPath(path)}': it is a directory, not a safetensors file.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        return ReadCore(stream, stream.Length, path);
    }

    /// <summary>Reads and validates safetensors data from <paramref name="stream"/>, to its end.</summary>
    /// <param name="stream">A readable stream positioned at the file's first byte; a non-seekable stream is first read to its end.</param>
    /// <param name="sourceName">The name used in error messages, e.g. a file path or URL.</param>
    /// <returns>The tensors in data order, and the metadata.</returns>
    /// <exception cref="InvalidDataException">The data break the format.</exception>
    /// <exception cref="NotSupportedException">A single tensor holds more bytes than a .NET array can.</exception>
    public static SafeTensorsContent Read(Stream stream, string sourceName = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            buffer.Position = 0;
            stream = buffer;
        }
        return ReadCore(stream, stream.Length - stream.Position, sourceName);
    }

    /// <summary>Reads and validates safetensors data held in memory.</summary>
    /// <param name="bytes">The whole file content.</param>
    /// <param name="sourceName">The name used in error messages.</param>
    /// <returns>The tensors in data order, and the metadata.</returns>
    /// <exception cref="InvalidDataException">The data break the format.</exception>
    public static SafeTensorsContent Deserialize(byte[] bytes, string sourceName = "<bytes>")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var stream = new MemoryStream(bytes, writable: false);
        return ReadCore(stream, bytes.Length, sourceName);
    }

    // ---- writing ----

    private static List<SafeTensorEntry> OrderForWriting(IReadOnlyList<SafeTensorEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafeTensorEntry? entry in entries)
        {
            if (entry is null)
            {
                throw new ArgumentException("An entry is null.", nameof(entries));
            }
            CheckEntry(entry);
            if (!names.Add(entry.Name))
            {
                throw new ArgumentException($"Two entries are named '{entry.Name}'.", nameof(entries));
            }
        }
        // Decreasing element size, then name: with a header padded to 8 bytes every tensor starts aligned.
        return entries
            .OrderByDescending(e => SafeTensorDTypes.ElementSize(e.DType))
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static void CheckEntry(SafeTensorEntry entry)
    {
        const string param = "entries";
        if (entry.Name is null)
        {
            throw new ArgumentException("An entry has a null name.", param);
        }
        if (entry.Name == MetadataKey)
        {
            throw new ArgumentException($"'{MetadataKey}' is reserved for metadata and cannot name a tensor.", param);
        }
        if (!SafeTensorDTypes.TryGetElementSize(entry.DType, out int elementSize))
        {
            throw new ArgumentException($"Tensor '{entry.Name}' has unknown dtype '{entry.DType}'; known: {string.Join(", ", SafeTensorDTypes.All)}.", param);
        }
        if (entry.Shape is null || entry.Data is null)
        {
            throw new ArgumentException($"Tensor '{entry.Name}' has a null shape or data.", param);
        }
        long count = 1;
        foreach (long dimension in entry.Shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Tensor '{entry.Name}' has shape {FormatShape(entry.Shape)} with a negative dimension.", param);
            }
            count = checked(count * dimension);
        }
        if (checked(count * elementSize) != entry.Data.LongLength)
        {
            throw new ArgumentException(
                $"Tensor '{entry.Name}' ({entry.DType} {FormatShape(entry.Shape)}) needs {count * elementSize} bytes but has {entry.Data.LongLength}.", param);
        }
    }

    private static byte[] BuildHeader(List<SafeTensorEntry> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // The header is a file header, never embedded in HTML, so only JSON's own escapes are needed; this keeps
        // names such as "a+b" or non-ASCII names readable.
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var writer = new Utf8JsonWriter(buffer, options))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (KeyValuePair<string, string> pair in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (pair.Key is null || pair.Value is null)
                    {
                        throw new ArgumentException("Metadata keys and values must not be null.", nameof(metadata));
                    }
                    writer.WriteString(pair.Key, pair.Value);
                }
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (SafeTensorEntry entry in ordered)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", entry.DType);
                writer.WriteStartArray("shape");
                foreach (long dimension in entry.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += entry.Data.LongLength;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteOrdered(Stream stream, byte[] header, List<SafeTensorEntry> ordered)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (SafeTensorEntry entry in ordered)
        {
            stream.Write(entry.Data);
        }
    }

    // ---- reading ----

    private sealed record HeaderEntry(string Name, string DType, long[] Shape, long Begin, long End);

    private static SafeTensorsContent ReadCore(Stream stream, long available, string source)
    {
        if (available < 8)
        {
            throw Fail(source, $"it is {available} bytes long, shorter than the 8-byte header length that starts every file");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(stream, lengthBytes, source, "the header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
        {
            throw Fail(source, $"the header length {headerLength} exceeds the limit of {MaxHeaderBytes} bytes");
        }
        if (headerLength > (ulong)(available - 8))
        {
            throw Fail(source, $"the header length {headerLength} runs past the end of the file, which has only {available - 8} bytes after the length (file truncated?)");
        }
        var header = new byte[(int)headerLength];
        ReadExactly(stream, header, source, "the header");
        long dataLength = available - 8 - (long)headerLength;

        (List<HeaderEntry> entries, Dictionary<string, string> metadata) = ParseHeader(header, source);
        CheckLayout(entries, dataLength, source);

        var result = new List<SafeTensorEntry>(entries.Count);
        foreach (HeaderEntry entry in entries)
        {
            long size = entry.End - entry.Begin;
            if (size > Array.MaxLength)
            {
                throw new NotSupportedException($"'{source}': tensor '{entry.Name}' holds {size} bytes, more than one .NET array can ({Array.MaxLength}).");
            }
            var data = new byte[size];
            ReadExactly(stream, data, source, $"the data of tensor '{entry.Name}'");
            result.Add(new SafeTensorEntry(entry.Name, entry.DType, entry.Shape, data));
        }
        return new SafeTensorsContent(result, metadata);
    }

    private static (List<HeaderEntry> Entries, Dictionary<string, string> Metadata) ParseHeader(byte[] header, string source)
    {
        if (header.Length == 0)
        {
            throw Fail(source, "the header is empty; it must be a JSON object");
        }
        if (header[0] != (byte)'{')
        {
            throw Fail(source, $"the header starts with byte 0x{header[0]:X2}, not '{{' (0x7B)");
        }
        try
        {
            _ = StrictUtf8.GetCharCount(header);
        }
        catch (DecoderFallbackException e)
        {
            throw Fail(source, $"the header is not valid UTF-8 (bad byte at header offset {e.Index})", e);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw Fail(source, $"the header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail(source, $"the header is a JSON {root.ValueKind}, not an object");
            }
            var entries = new List<HeaderEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw Fail(source, $"the header has the key '{property.Name}' twice");
                }
                if (property.Name == MetadataKey)
                {
                    ParseMetadata(property.Value, metadata, source);
                }
                else
                {
                    entries.Add(ParseTensorInfo(property.Name, property.Value, source));
                }
            }
            return (entries, metadata);
        }
    }

    private static void ParseMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Fail(source, $"'{MetadataKey}' is a JSON {value.ValueKind}, not an object of strings");
        }
        foreach (JsonProperty pair in value.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String)
            {
                throw Fail(source, $"metadata '{pair.Name}' is a JSON {pair.Value.ValueKind}, not a string");
            }
            if (!metadata.TryAdd(pair.Name, pair.Value.GetString()!))
            {
                throw Fail(source, $"the metadata has the key '{pair.Name}' twice");
            }
        }
    }

    private static HeaderEntry ParseTensorInfo(string name, JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Fail(source, $"tensor '{name}' is a JSON {value.ValueKind}, not an object with dtype, shape and data_offsets");
        }
        JsonElement? dtypeElement = null, shapeElement = null, offsetsElement = null;
        foreach (JsonProperty field in value.EnumerateObject())
        {
            ref JsonElement? slot = ref dtypeElement;
            switch (field.Name)
            {
                case "dtype": slot = ref dtypeElement; break;
                case "shape": slot = ref shapeElement; break;
                case "data_offsets": slot = ref offsetsElement; break;
                default: continue; // Unknown fields are ignored, as the reference reader does.
            }
            if (slot.HasValue)
            {
                throw Fail(source, $"tensor '{name}' has the field '{field.Name}' twice");
            }
            slot = field.Value;
        }

        if (dtypeElement is not { } dtypeValue)
        {
            throw Fail(source, $"tensor '{name}' has no 'dtype'");
        }
        if (shapeElement is not { } shapeValue)
        {
            throw Fail(source, $"tensor '{name}' has no 'shape'");
        }
        if (offsetsElement is not { } offsetsValue)
        {
            throw Fail(source, $"tensor '{name}' has no 'data_offsets'");
        }
        if (dtypeValue.ValueKind != JsonValueKind.String)
        {
            throw Fail(source, $"tensor '{name}': 'dtype' is a JSON {dtypeValue.ValueKind}, not a string");
        }
        string dtype = dtypeValue.GetString()!;
        if (!SafeTensorDTypes.TryGetElementSize(dtype, out int elementSize))
        {
            throw Fail(source, $"tensor '{name}' has unknown dtype '{dtype}' (known: {string.Join(", ", SafeTensorDTypes.All)})");
        }
        long[] shape = ReadIntegers(shapeValue, name, "shape", expectedCount: null, source);
        long[] offsets = ReadIntegers(offsetsValue, name, "data_offsets", expectedCount: 2, source);
        long begin = offsets[0], end = offsets[1];
        if (begin > end)
        {
            throw Fail(source, $"tensor '{name}' has data_offsets [{begin}, {end}] that end before they begin");
        }

        long needed;
        try
        {
            long count = 1;
            foreach (long dimension in shape)
            {
                count = checked(count * dimension);
            }
            needed = checked(count * elementSize);
        }
        catch (OverflowException e)
        {
            throw Fail(source, $"tensor '{name}' has shape {FormatShape(shape)}, too many elements to address", e);
        }
        if (end - begin != needed)
        {
            throw Fail(source, $"tensor '{name}' has data_offsets [{begin}, {end}] holding {end - begin} bytes, but {dtype} {FormatShape(shape)} needs {needed}");
        }
        return new HeaderEntry(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(JsonElement value, string name, string field, int? expectedCount, string source)
    {
        string what = expectedCount is { } n ? $"an array of {n} non-negative integers" : "an array of non-negative integers";
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Fail(source, $"tensor '{name}': '{field}' is a JSON {value.ValueKind}, not {what}");
        }
        int length = value.GetArrayLength();
        if (expectedCount is { } expected && length != expected)
        {
            throw Fail(source, $"tensor '{name}': '{field}' has {length} elements, not {expected}");
        }
        var result = new long[length];
        int i = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetUInt64(out ulong number) || number > long.MaxValue)
            {
                throw Fail(source, $"tensor '{name}': '{field}' element {i} is {item.GetRawText()}, not a non-negative integer below 2^63");
            }
            result[i++] = (long)number;
        }
        return result;
    }

    private static void CheckLayout(List<HeaderEntry> entries, long dataLength, string source)
    {
        foreach (HeaderEntry entry in entries)
        {
            if (entry.End > dataLength)
            {
                throw Fail(source, $"tensor '{entry.Name}' has data_offsets [{entry.Begin}, {entry.End}] past the end of the {dataLength}-byte data buffer (file truncated?)");
            }
        }
        // Stable sort by position (ties keep header order, so an empty tensor's place is deterministic).
        List<HeaderEntry> sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        entries.Clear();
        entries.AddRange(sorted);

        long expected = 0;
        HeaderEntry? previous = null;
        foreach (HeaderEntry entry in entries)
        {
            if (entry.Begin < expected)
            {
                throw Fail(source, $"tensor '{entry.Name}' at data_offsets [{entry.Begin}, {entry.End}] overlaps tensor '{previous!.Name}' at [{previous.Begin}, {previous.End}]");
            }
            if (entry.Begin > expected)
            {
                throw Fail(source, $"bytes [{expected}, {entry.Begin}) of the data buffer, before tensor '{entry.Name}', belong to no tensor");
            }
            expected = entry.End;
            previous = entry;
        }
        if (expected != dataLength)
        {
            throw Fail(source, $"the last {dataLength - expected} bytes of the {dataLength}-byte data buffer (from offset {expected}) belong to no tensor");
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string source, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            // Only reachable when the file shrinks while being read: the lengths were checked up front.
            throw Fail(source, $"the file ended while reading {what} (truncated?)", e);
        }
    }

    private static string FormatShape(long[] shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>The one shape of every format error: <c>'{source}' is not a valid safetensors file: {problem}</c>.</summary>
    private static InvalidDataException Fail(string source, string problem, Exception? inner = null) =>
        new($"'{source}' is not a valid safetensors file: {problem}.", inner);
}
