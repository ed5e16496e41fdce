using System.Security.Cryptography;
using AutoGrad.Data;
using AutoGrad.Tests.IO;
using static AutoGrad.Tests.Data.IdxTestFiles;

namespace AutoGrad.Tests.Data;

public class MnistFilesTests
{
    // ---- the real files shipped in examples/Mnist/data ----

    private static string RepoDataDirectory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AutoGrad.sln")))
            {
                return Path.Combine(dir.FullName, "examples", "Mnist", "data");
            }
        }
        throw new InvalidOperationException($"No AutoGrad.sln above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public void Load_RealFiles_HaveStandardCountsShapesAndFirstLabels()
    {
        MnistDataset mnist = MnistFiles.Load(RepoDataDirectory());

        Assert.Equal((60000, 28, 28), (mnist.Train.Count, mnist.Train.Rows, mnist.Train.Cols));
        Assert.Equal((10000, 28, 28), (mnist.Test.Count, mnist.Test.Rows, mnist.Test.Cols));
        Assert.Equal(60000 * 784, mnist.Train.Images.Length);
        Assert.Equal(10000 * 784, mnist.Test.Images.Length);
        Assert.Equal(new byte[] { 5, 0, 4, 1, 9 }, mnist.Train.Labels[..5]);
        Assert.Equal(new byte[] { 7, 2, 1, 0, 4 }, mnist.Test.Labels[..5]);
        // Every digit occurs, and the corner pixel of the first image is background.
        Assert.Equal(Enumerable.Range(0, 10).Select(d => (byte)d), mnist.Train.Labels.Distinct().Order());
        Assert.Equal(0, mnist.Train.Image(0).Span[0]);
        Assert.Equal(255, mnist.Train.Images.Max());
    }

    [Fact]
    public void KnownSha256_MatchesShippedFilesAndSha256Sums()
    {
        string dir = RepoDataDirectory();
        Dictionary<string, string> sums = File.ReadAllLines(Path.Combine(dir, "SHA256SUMS"))
            .Where(line => line.Length > 0)
            .Select(line => line.Split("  "))
            .ToDictionary(parts => parts[1], parts => parts[0]);

        Assert.Equal(MnistFiles.FileNames.Order(), sums.Keys.Order());
        foreach (string name in MnistFiles.FileNames)
        {
            Assert.Equal(sums[name], MnistFiles.KnownSha256[name]);
            Assert.Equal(sums[name], MnistFiles.ComputeSha256(Path.Combine(dir, name)));
        }
    }

    [Fact]
    public async Task EnsureDownloaded_RealFilesPresent_MakesNoRequest()
    {
        using var server = new LoopbackHttpServer();
        var log = new List<string>();

        string result = await MnistFiles.EnsureDownloadedAsync(RepoDataDirectory(), [server.Mirror("m")], log.Add);

        Assert.Equal(Path.GetFullPath(RepoDataDirectory()), result);
        Assert.Empty(server.Requests);
        Assert.Equal(4, log.Count(line => line.EndsWith("SHA-256 ok", StringComparison.Ordinal)));
    }

    // ---- small files in the MNIST layout ----

    private sealed record FakeMnist(Dictionary<string, byte[]> Files, Dictionary<string, string> Hashes)
    {
        public MnistOptions Options => new() { ExpectedSha256 = Hashes };

        public void WriteTo(string directory)
        {
            foreach ((string name, byte[] bytes) in Files)
            {
                File.WriteAllBytes(Path.Combine(directory, name), bytes);
            }
        }
    }

    private static FakeMnist MakeFake(int trainCount = 4, int testCount = 2)
    {
        var random = new Random(trainCount * 31 + testCount);
        byte[] Images(int n)
        {
            var pixels = new byte[n * 28 * 28];
            random.NextBytes(pixels);
            return Gzip(UBytes([n, 28, 28], pixels));
        }
        byte[] Labels(int n) => Gzip(UBytes([n], Enumerable.Range(0, n).Select(i => (byte)((i * 3) % 10)).ToArray()));

        var files = new Dictionary<string, byte[]>
        {
            [MnistFiles.TrainImagesFileName] = Images(trainCount),
            [MnistFiles.TrainLabelsFileName] = Labels(trainCount),
            [MnistFiles.TestImagesFileName] = Images(testCount),
            [MnistFiles.TestLabelsFileName] = Labels(testCount),
        };
        return new FakeMnist(files, files.ToDictionary(f => f.Key, f => Convert.ToHexStringLower(SHA256.HashData(f.Value))));
    }

    [Fact]
    public void Load_CustomFilesWithInjectedHashes_ReturnsRawArrays()
    {
        using var dir = new TempDirectory();
        FakeMnist fake = MakeFake(trainCount: 4, testCount: 2);
        fake.WriteTo(dir.Path);

        MnistDataset mnist = MnistFiles.Load(dir.Path, fake.Options);

        Assert.Equal(4, mnist.Train.Count);
        Assert.Equal(2, mnist.Test.Count);
        Assert.Equal(new byte[] { 0, 3, 6, 9 }, mnist.Train.Labels);
        Assert.Equal(new byte[] { 0, 3 }, mnist.Test.Labels);
        Assert.Equal(4 * 784, mnist.Train.Images.Length);
        Assert.Equal(784, mnist.Train.Image(3).Length);
    }

    [Fact]
    public void Load_CustomFilesWithDefaultHashes_ThrowsNamingFileAndHashes()
    {
        using var dir = new TempDirectory();
        FakeMnist fake = MakeFake();
        fake.WriteTo(dir.Path);

        var error = Assert.Throws<InvalidDataException>(() => MnistFiles.Load(dir.Path));

        string path = Path.Combine(dir.Path, MnistFiles.TrainImagesFileName);
        Assert.Equal(
            $"'{path}' has SHA-256 {fake.Hashes[MnistFiles.TrainImagesFileName]}, expected {MnistFiles.KnownSha256[MnistFiles.TrainImagesFileName]}: " +
            "the file is corrupt or not the original (for custom files set MnistOptions.VerifySha256 = false or give MnistOptions.ExpectedSha256).",
            error.Message);
    }

    [Fact]
    public void Load_CustomFilesWithHashCheckOff_Loads()
    {
        using var dir = new TempDirectory();
        MakeFake(trainCount: 3, testCount: 1).WriteTo(dir.Path);

        MnistDataset mnist = MnistFiles.Load(dir.Path, new MnistOptions { VerifySha256 = false });

        Assert.Equal((3, 1), (mnist.Train.Count, mnist.Test.Count));
    }

    public static TheoryData<string, string, byte[], string> BadLayouts => new()
    {
        { "images 28x27", MnistFiles.TrainImagesFileName, Gzip(UBytes([4, 28, 27], new byte[4 * 28 * 27])), "holds UnsignedByte [4, 28, 27], not MNIST images: UnsignedByte [N, 28, 28]" },
        { "images of int32", MnistFiles.TrainImagesFileName, Gzip(Idx(0x0C, [1, 28, 28], new byte[4 * 784])), "holds Int32 [1, 28, 28], not MNIST images" },
        { "labels 2-D", MnistFiles.TrainLabelsFileName, Gzip(UBytes([4, 1], [0, 1, 2, 3])), "holds UnsignedByte [4, 1], not MNIST labels: UnsignedByte [N]" },
        { "label count differs", MnistFiles.TrainLabelsFileName, Gzip(UBytes([3], [0, 1, 2])), "holds 4 images but" },
        { "label 10", MnistFiles.TrainLabelsFileName, Gzip(UBytes([4], [0, 1, 10, 3])), "label 2 is 10, not a digit 0-9" },
        { "not IDX", MnistFiles.TrainLabelsFileName, "not an idx file"u8.ToArray(), "is not a valid IDX file: bad magic number" },
    };

    [Theory]
    [MemberData(nameof(BadLayouts))]
    public void LoadTrain_BadLayout_ThrowsInvalidData(string problem, string fileName, byte[] replacement, string expectedMessage)
    {
        using var dir = new TempDirectory();
        MakeFake(trainCount: 4).WriteTo(dir.Path);
        File.WriteAllBytes(Path.Combine(dir.Path, fileName), replacement);

        var error = Assert.Throws<InvalidDataException>(() => MnistFiles.LoadTrain(dir.Path, new MnistOptions { VerifySha256 = false }));

        Assert.True(error.Message.Contains(expectedMessage, StringComparison.Ordinal), $"{problem}: message was: {error.Message}");
        Assert.Contains(dir.Path, error.Message);
    }

    [Fact]
    public void LoadTest_FileMissing_ThrowsFileNotFoundWithHint()
    {
        using var dir = new TempDirectory();
        MakeFake().WriteTo(dir.Path);
        File.Delete(Path.Combine(dir.Path, MnistFiles.TestLabelsFileName));

        var error = Assert.Throws<FileNotFoundException>(() => MnistFiles.LoadTest(dir.Path, new MnistOptions { VerifySha256 = false }));

        Assert.Equal(Path.Combine(dir.Path, MnistFiles.TestLabelsFileName), error.FileName);
        Assert.Contains("MnistFiles.EnsureDownloaded", error.Message);
    }

    // ---- downloads from a loopback server ----

    [Fact]
    public async Task EnsureDownloaded_FilesMissing_DownloadsVerifiesAndLoads()
    {
        using var server = new LoopbackHttpServer();
        using var cache = new TempDirectory();
        FakeMnist fake = MakeFake();
        foreach ((string name, byte[] bytes) in fake.Files)
        {
            server.Serve("/good/" + name, bytes);
        }
        var log = new List<string>();

        string result = await MnistFiles.EnsureDownloadedAsync(cache.Path, [server.Mirror("good")], log.Add, fake.Options);

        Assert.Equal(cache.Path, result);
        Assert.Equal(MnistFiles.FileNames.Order(StringComparer.Ordinal), cache.FileNames());
        Assert.Equal(MnistFiles.FileNames.Select(n => "/good/" + n), server.Requests);
        Assert.Equal(4, log.Count(line => line.Contains("SHA-256 ok", StringComparison.Ordinal)));
        Assert.Contains($"{MnistFiles.TrainImagesFileName}: downloading {server.BaseUri}good/{MnistFiles.TrainImagesFileName}", log);
        Assert.Equal(4, MnistFiles.Load(cache.Path, fake.Options).Train.Count);
    }

    [Fact]
    public async Task EnsureDownloaded_FirstMirrorServesCorruptFile_TakesTheNextMirror()
    {
        using var server = new LoopbackHttpServer();
        using var cache = new TempDirectory();
        FakeMnist fake = MakeFake();
        foreach ((string name, byte[] bytes) in fake.Files)
        {
            byte[] corrupt = (byte[])bytes.Clone();
            corrupt[^10] ^= 0x55;
            server.Serve("/bad/" + name, corrupt);
            server.Serve("/good/" + name, bytes);
        }
        var log = new List<string>();

        MnistFiles.EnsureDownloaded(cache.Path, [server.Mirror("bad"), server.Mirror("good")], log.Add, fake.Options);

        Assert.Equal(MnistFiles.FileNames.SelectMany(n => new[] { "/bad/" + n, "/good/" + n }), server.Requests);
        Assert.Equal(4, log.Count(line => line.Contains("/bad/", StringComparison.Ordinal) && line.Contains("failed: SHA-256 of the", StringComparison.Ordinal)));
        foreach (string name in MnistFiles.FileNames)
        {
            Assert.Equal(fake.Hashes[name], MnistFiles.ComputeSha256(cache.File(name)));
        }
        Assert.Equal(MnistFiles.FileNames.Order(StringComparer.Ordinal), cache.FileNames()); // no temporary files left
    }

    [Fact]
    public async Task EnsureDownloaded_EveryMirrorFails_ThrowsListingEachAttemptAndLeavesNoFile()
    {
        using var server = new LoopbackHttpServer();
        using var cache = new TempDirectory();
        FakeMnist fake = MakeFake();
        server.Serve("/corrupt/" + MnistFiles.TrainImagesFileName, [1, 2, 3]);
        var refused = new Uri($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}/mnist/");
        var log = new List<string>();

        var error = await Assert.ThrowsAsync<IOException>(() => MnistFiles.EnsureDownloadedAsync(
            cache.Path, [refused, server.Mirror("corrupt"), server.Mirror("missing")], log.Add, fake.Options));

        string[] lines = error.Message.Split(Environment.NewLine);
        Assert.Equal($"Could not download {MnistFiles.TrainImagesFileName} from any mirror:", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith($"  {refused}{MnistFiles.TrainImagesFileName}: ", lines[1]);
        Assert.Equal($"  {server.BaseUri}corrupt/{MnistFiles.TrainImagesFileName}: SHA-256 of the 3 downloaded bytes is " +
                     $"{Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 3 }))}, expected {fake.Hashes[MnistFiles.TrainImagesFileName]}", lines[2]);
        Assert.Equal($"  {server.BaseUri}missing/{MnistFiles.TrainImagesFileName}: HTTP 404 Not Found", lines[3]);
        Assert.Equal(3, Assert.IsType<AggregateException>(error.InnerException).InnerExceptions.Count);
        Assert.Empty(cache.FileNames());
        Assert.Equal(3, log.Count(line => line.Contains(" failed: ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task EnsureDownloaded_PresentFileWithWrongHash_IsReplaced()
    {
        using var server = new LoopbackHttpServer();
        using var cache = new TempDirectory();
        FakeMnist fake = MakeFake();
        fake.WriteTo(cache.Path);
        File.WriteAllBytes(cache.File(MnistFiles.TestLabelsFileName), [9, 9, 9]);
        server.Serve("/m/" + MnistFiles.TestLabelsFileName, fake.Files[MnistFiles.TestLabelsFileName]);
        var log = new List<string>();

        await MnistFiles.EnsureDownloadedAsync(cache.Path, [server.Mirror("m")], log.Add, fake.Options);

        Assert.Equal(["/m/" + MnistFiles.TestLabelsFileName], server.Requests);
        Assert.Equal(fake.Files[MnistFiles.TestLabelsFileName], File.ReadAllBytes(cache.File(MnistFiles.TestLabelsFileName)));
        Assert.Contains(log, line => line.StartsWith($"{MnistFiles.TestLabelsFileName}: found in {cache.Path} but its SHA-256 is ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EnsureDownloaded_DownloadOverSizeLimit_IsRejected()
    {
        using var server = new LoopbackHttpServer();
        using var cache = new TempDirectory();
        FakeMnist fake = MakeFake();
        server.Serve("/m/" + MnistFiles.TrainImagesFileName, new byte[5000]);
        var options = new MnistOptions { ExpectedSha256 = fake.Hashes, MaxDownloadBytes = 4096 };

        var error = await Assert.ThrowsAsync<IOException>(() => MnistFiles.EnsureDownloadedAsync(cache.Path, [server.Mirror("m")], null, options));

        Assert.EndsWith("m/train-images-idx3-ubyte.gz: the server announces 5000 bytes, more than the limit of 4096", error.Message);
        Assert.Empty(cache.FileNames());
    }

    [Fact]
    public async Task EnsureDownloaded_SlowMirror_TimesOutAndTakesTheNextMirror()
    {
        using var server = new LoopbackHttpServer();
        using var cache = new TempDirectory();
        FakeMnist fake = MakeFake();
        foreach ((string name, byte[] bytes) in fake.Files)
        {
            server.Serve("/slow/" + name, bytes, delay: TimeSpan.FromSeconds(30));
            server.Serve("/fast/" + name, bytes);
        }
        var options = new MnistOptions { ExpectedSha256 = fake.Hashes, DownloadTimeout = TimeSpan.FromMilliseconds(100) };
        var log = new List<string>();

        await MnistFiles.EnsureDownloadedAsync(cache.Path, [server.Mirror("slow"), server.Mirror("fast")], log.Add, options);

        Assert.Equal(4, log.Count(line => line.EndsWith("failed: timed out after 00:00:00.1000000", StringComparison.Ordinal)));
        Assert.Equal(MnistFiles.FileNames.Order(StringComparer.Ordinal), cache.FileNames());
    }

    [Fact]
    public async Task EnsureDownloaded_CallerCancels_ThrowsOperationCanceledAndLeavesNoFile()
    {
        using var server = new LoopbackHttpServer();
        using var cache = new TempDirectory();
        FakeMnist fake = MakeFake();
        server.Serve("/slow/" + MnistFiles.TrainImagesFileName, fake.Files[MnistFiles.TrainImagesFileName], delay: TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            MnistFiles.EnsureDownloadedAsync(cache.Path, [server.Mirror("slow"), server.Mirror("never")], null, fake.Options, cancel.Token));

        Assert.DoesNotContain("/never/" + MnistFiles.TrainImagesFileName, server.Requests);
        Assert.Empty(cache.FileNames());
    }

    [Fact]
    public void DefaultCacheDirectory_EndsWithAutogradMnist()
    {
        string dir = MnistFiles.DefaultCacheDirectory;

        Assert.True(Path.IsPathRooted(dir));
        Assert.Equal(["autograd", "mnist"], dir.Split(Path.DirectorySeparatorChar)[^2..]);
    }
}
