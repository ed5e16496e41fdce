using AutoGrad.IO;

namespace AutoGrad.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void WriteAllBytes_NewFile_HoldsExactlyTheBytes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("a.bin");

        AtomicFile.WriteAllBytes(path, [1, 2, 3]);

        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal(["a.bin"], dir.FileNames());
    }

    [Fact]
    public void Write_ExistingFile_IsReplacedWhole()
    {
        using var dir = new TempDirectory();
        string path = dir.File("a.bin");
        File.WriteAllBytes(path, new byte[1000]);

        AtomicFile.Write(path, stream => stream.Write([7, 8]));

        Assert.Equal(new byte[] { 7, 8 }, File.ReadAllBytes(path));
        Assert.Equal(["a.bin"], dir.FileNames());
    }

    [Fact]
    public void Write_WriterThrowsMidway_PreviousFileIntactAndNoTempFileLeft()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        File.WriteAllBytes(path, [10, 20, 30]);

        var thrown = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[4096]);
            stream.Flush();
            throw new InvalidOperationException("crash midway");
        }));

        Assert.Equal("crash midway", thrown.Message);
        Assert.Equal(new byte[] { 10, 20, 30 }, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], dir.FileNames());
    }

    [Fact]
    public async Task WriteAsync_WriterThrowsMidway_PreviousFileIntactAndNoTempFileLeft()
    {
        using var dir = new TempDirectory();
        string path = dir.File("data.gz");
        File.WriteAllBytes(path, [42]);

        await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAsync(path, async (stream, ct) =>
        {
            await stream.WriteAsync(new byte[100], ct);
            throw new IOException("connection reset");
        }));

        Assert.Equal(new byte[] { 42 }, File.ReadAllBytes(path));
        Assert.Equal(["data.gz"], dir.FileNames());
    }

    [Fact]
    public async Task WriteAsync_Succeeds_ReplacesFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("data.gz");
        File.WriteAllBytes(path, [42]);

        await AtomicFile.WriteAsync(path, (stream, ct) => stream.WriteAsync(new byte[] { 1, 2, 3, 4 }, ct).AsTask());

        Assert.Equal(new byte[] { 1, 2, 3, 4 }, File.ReadAllBytes(path));
        Assert.Equal(["data.gz"], dir.FileNames());
    }

    [Fact]
    public void WriteAllBytes_DirectoryMissing_ThrowsDirectoryNotFound()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "missing", "a.bin");

        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllBytes(path, [1]));
        Assert.Empty(dir.FileNames());
    }
}
