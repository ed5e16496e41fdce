using System.Security.Cryptography;
using AutoGrad.Data.Idx;
using AutoGrad.IO;

namespace AutoGrad.Data;

/// <summary>
/// Finds, verifies, downloads and loads the four original MNIST files, returning raw byte arrays.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Load(string, MnistOptions?)"/> reads the four gzipped IDX files from a directory, checks each
/// file's SHA-256 (unless <see cref="MnistOptions.VerifySha256"/> is off), that images are <c>N × 28 × 28</c>
/// unsigned bytes, labels <c>N</c> unsigned bytes with the same <c>N</c>, and every label is 0–9.
/// </para>
/// <para>
/// <see cref="EnsureDownloadedAsync"/> fills a cache directory with whichever files are missing or fail their
/// hash check, trying each mirror in turn; every file is written with <see cref="AtomicFile"/> and only after its
/// hash matched, so an interrupted or corrupt download never leaves a bad file under the real name.
/// </para>
/// <example>
/// <code>
/// string dir = MnistFiles.EnsureDownloaded(log: Console.WriteLine);
/// MnistDataset mnist = MnistFiles.Load(dir);
/// byte label = mnist.Train.Labels[0]; // 5
/// </code>
/// </example>
/// </remarks>
public static class MnistFiles
{
    /// <summary>The file of the 60,000 training images.</summary>
    public const string TrainImagesFileName = "train-images-idx3-ubyte.gz";
    /// <summary>The file of the 60,000 training labels.</summary>
    public const string TrainLabelsFileName = "train-labels-idx1-ubyte.gz";
    /// <summary>The file of the 10,000 test images.</summary>
    public const string TestImagesFileName = "t10k-images-idx3-ubyte.gz";
    /// <summary>The file of the 10,000 test labels.</summary>
    public const string TestLabelsFileName = "t10k-labels-idx1-ubyte.gz";

    /// <summary>The height and width of an MNIST image.</summary>
    public const int ImageSize = 28;

    /// <summary>The four file names, training first.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        [TrainImagesFileName, TrainLabelsFileName, TestImagesFileName, TestLabelsFileName];

    /// <summary>
    /// The SHA-256 (lowercase hex) of each gzipped file as served by the default mirrors and shipped in
    /// <c>examples/Mnist/data/SHA256SUMS</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> KnownSha256 { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [TrainImagesFileName] = "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
        [TrainLabelsFileName] = "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
        [TestImagesFileName] = "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
        [TestLabelsFileName] = "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
    }.AsReadOnly();

    /// <summary>Public mirrors of the four files, tried in this order; a file's URL is the base plus its name.</summary>
    public static IReadOnlyList<Uri> DefaultMirrors { get; } =
    [
        new("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        new("https://storage.googleapis.com/cvdf-datasets/mnist/"),
    ];

    /// <summary>
    /// The per-user cache folder used when no directory is given: <c>%LOCALAPPDATA%\autograd\mnist</c> on Windows;
    /// elsewhere <c>$XDG_CACHE_HOME/autograd/mnist</c>, or <c>~/.cache/autograd/mnist</c> when that is unset.
    /// </summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            if (OperatingSystem.IsWindows())
            {
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "autograd", "mnist");
            }
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string cacheRoot = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(cacheRoot, "autograd", "mnist");
        }
    }

    /// <summary>Loads and checks the training and test parts from <paramref name="directory"/>.</summary>
    /// <param name="directory">A folder holding the four files under their standard names.</param>
    /// <param name="options">Hash options; <see langword="null"/> checks against <see cref="KnownSha256"/>.</param>
    /// <returns>Both parts as raw arrays.</returns>
    /// <exception cref="FileNotFoundException">A file is missing (call <see cref="EnsureDownloaded"/> first).</exception>
    /// <exception cref="InvalidDataException">A file has the wrong hash, is not valid IDX, has the wrong shape or a label outside 0–9.</exception>
    public static MnistDataset Load(string directory, MnistOptions? options = null) =>
        new(LoadTrain(directory, options), LoadTest(directory, options));

    /// <summary>Loads and checks the training part (<see cref="TrainImagesFileName"/>, <see cref="TrainLabelsFileName"/>).</summary>
    /// <param name="directory">A folder holding the files under their standard names.</param>
    /// <param name="options">Hash options; <see langword="null"/> checks against <see cref="KnownSha256"/>.</param>
    /// <returns>The training images and labels.</returns>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file has the wrong hash, is not valid IDX, has the wrong shape or a label outside 0–9.</exception>
    public static MnistSplit LoadTrain(string directory, MnistOptions? options = null) =>
        LoadSplit(directory, TrainImagesFileName, TrainLabelsFileName, options ?? new MnistOptions());

    /// <summary>Loads and checks the test part (<see cref="TestImagesFileName"/>, <see cref="TestLabelsFileName"/>).</summary>
    /// <param name="directory">A folder holding the files under their standard names.</param>
    /// <param name="options">Hash options; <see langword="null"/> checks against <see cref="KnownSha256"/>.</param>
    /// <returns>The test images and labels.</returns>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file has the wrong hash, is not valid IDX, has the wrong shape or a label outside 0–9.</exception>
    public static MnistSplit LoadTest(string directory, MnistOptions? options = null) =>
        LoadSplit(directory, TestImagesFileName, TestLabelsFileName, options ?? new MnistOptions());

    /// <summary>Computes the SHA-256 of a file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The hash as 64 lowercase hex digits.</returns>
    public static string ComputeSha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Synchronous form of <see cref="EnsureDownloadedAsync"/>: makes sure the four files are in
    /// <paramref name="cacheDirectory"/>, downloading the missing ones.
    /// </summary>
    /// <param name="cacheDirectory">The folder to fill (created if needed); <see langword="null"/> for <see cref="DefaultCacheDirectory"/>.</param>
    /// <param name="mirrors">Base URLs to try in order; <see langword="null"/> for <see cref="DefaultMirrors"/>.</param>
    /// <param name="log">Receives one line per step (found, downloading, saved, failed); <see langword="null"/> for silence.</param>
    /// <param name="options">Hash and download options.</param>
    /// <returns>The full path of the cache directory, ready for <see cref="Load(string, MnistOptions?)"/>.</returns>
    /// <exception cref="IOException">Some file could not be obtained from any mirror; the message lists each attempt.</exception>
    public static string EnsureDownloaded(string? cacheDirectory = null, IReadOnlyList<Uri>? mirrors = null, Action<string>? log = null, MnistOptions? options = null) =>
        // Task.Run keeps a caller's synchronization context out of the awaits, so this cannot deadlock.
        Task.Run(() => EnsureDownloadedAsync(cacheDirectory, mirrors, log, options)).GetAwaiter().GetResult();

    /// <summary>
    /// Makes sure the four files are in <paramref name="cacheDirectory"/> with the right hashes, downloading each
    /// missing or mismatching file from the first mirror that serves it intact.
    /// </summary>
    /// <param name="cacheDirectory">The folder to fill (created if needed); <see langword="null"/> for <see cref="DefaultCacheDirectory"/>.</param>
    /// <param name="mirrors">Base URLs to try in order; <see langword="null"/> for <see cref="DefaultMirrors"/>.</param>
    /// <param name="log">Receives one line per step (found, downloading, saved, failed); <see langword="null"/> for silence.</param>
    /// <param name="options">Hash and download options.</param>
    /// <param name="cancellationToken">Cancels the downloads; completed files stay, the current one is discarded.</param>
    /// <returns>The full path of the cache directory, ready for <see cref="Load(string, MnistOptions?)"/>.</returns>
    /// <exception cref="IOException">Some file could not be obtained from any mirror; the message lists each attempt.</exception>
    /// <remarks>
    /// A file already present is hashed and kept when it matches; otherwise it is downloaded again. A download is
    /// streamed to a temporary file while being hashed, is rejected when larger than
    /// <see cref="MnistOptions.MaxDownloadBytes"/>, slower than <see cref="MnistOptions.DownloadTimeout"/> or of the
    /// wrong hash, and only then replaces the target (see <see cref="AtomicFile"/>).
    /// </remarks>
    public static async Task<string> EnsureDownloadedAsync(
        string? cacheDirectory = null,
        IReadOnlyList<Uri>? mirrors = null,
        Action<string>? log = null,
        MnistOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new MnistOptions();
        mirrors ??= DefaultMirrors;
        log ??= static _ => { };
        string directory = Path.GetFullPath(cacheDirectory ?? DefaultCacheDirectory);
        Directory.CreateDirectory(directory);

        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan }; // the per-download timeout is ours
        foreach (string name in FileNames)
        {
            string target = Path.Combine(directory, name);
            string? expected = options.VerifySha256 ? ExpectedHash(name, options) : null;
            if (File.Exists(target))
            {
                if (expected is null)
                {
                    log($"{name}: found in {directory} (hash not checked)");
                    continue;
                }
                string actual = ComputeSha256(target);
                if (actual == expected)
                {
                    log($"{name}: found in {directory}, SHA-256 ok");
                    continue;
                }
                log($"{name}: found in {directory} but its SHA-256 is {actual}, expected {expected}; downloading it again");
            }
            await DownloadFromAnyMirrorAsync(http, name, target, expected, mirrors, log, options, cancellationToken).ConfigureAwait(false);
        }
        return directory;
    }

    private static async Task DownloadFromAnyMirrorAsync(
        HttpClient http, string name, string target, string? expected, IReadOnlyList<Uri> mirrors,
        Action<string> log, MnistOptions options, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var errors = new List<Exception>();
        foreach (Uri mirror in mirrors)
        {
            var uri = new Uri(mirror.AbsoluteUri.EndsWith('/') ? mirror : new Uri(mirror.AbsoluteUri + "/"), name);
            log($"{name}: downloading {uri}");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.DownloadTimeout);
            try
            {
                long size = 0;
                await AtomicFile.WriteAsync(target, async (file, ct) => size = await DownloadAsync(http, uri, file, expected, options.MaxDownloadBytes, ct).ConfigureAwait(false), timeout.Token)
                    .ConfigureAwait(false);
                log($"{name}: saved {size} bytes to {target}{(expected is null ? " (hash not checked)" : ", SHA-256 ok")}");
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                string reason = e is OperationCanceledException ? $"timed out after {options.DownloadTimeout}" : e.Message;
                log($"{name}: {uri} failed: {reason}");
                failures.Add($"{uri}: {reason}");
                errors.Add(e);
            }
        }
        string attempts = failures.Count == 0 ? " (no mirrors were given)" : ":" + string.Concat(failures.Select(f => Environment.NewLine + "  " + f));
        throw new IOException($"Could not download {name} from any mirror{attempts}", errors.Count > 0 ? new AggregateException(errors) : null);
    }

    private static async Task<long> DownloadAsync(HttpClient http, Uri uri, Stream destination, string? expected, long maxBytes, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }
        if (response.Content.Headers.ContentLength > maxBytes)
        {
            throw new InvalidDataException($"the server announces {response.Content.Headers.ContentLength} bytes, more than the limit of {maxBytes}");
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    throw new InvalidDataException($"the download exceeds the limit of {maxBytes} bytes");
                }
                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
            string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (expected is not null && actual != expected)
            {
                throw new InvalidDataException($"SHA-256 of the {total} downloaded bytes is {actual}, expected {expected}");
            }
            return total;
        }
    }

    private static string ExpectedHash(string name, MnistOptions options)
    {
        string hash = options.ExpectedSha256 is { } custom && custom.TryGetValue(name, out string? given) ? given : KnownSha256[name];
        return hash.ToLowerInvariant();
    }

    private static MnistSplit LoadSplit(string directory, string imagesName, string labelsName, MnistOptions options)
    {
        string imagesPath = Path.Combine(directory, imagesName);
        string labelsPath = Path.Combine(directory, labelsName);
        foreach (string path in (string[])[imagesPath, labelsPath])
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"MNIST file '{path}' is missing; MnistFiles.EnsureDownloaded(\"{directory}\") fetches the missing files.", path);
            }
            if (options.VerifySha256)
            {
                string expected = ExpectedHash(Path.GetFileName(path), options);
                string actual = ComputeSha256(path);
                if (actual != expected)
                {
                    throw new InvalidDataException(
                        $"'{path}' has SHA-256 {actual}, expected {expected}: the file is corrupt or not the original " +
                        "(for custom files set MnistOptions.VerifySha256 = false or give MnistOptions.ExpectedSha256).");
                }
            }
        }

        IdxArray images = IdxReader.Read(imagesPath);
        IdxArray labels = IdxReader.Read(labelsPath);
        if (images.DataType != IdxDataType.UnsignedByte || images.Dimensions is not [int count, ImageSize, ImageSize])
        {
            throw new InvalidDataException($"'{imagesPath}' holds {images.DataType} [{string.Join(", ", images.Dimensions)}], not MNIST images: UnsignedByte [N, {ImageSize}, {ImageSize}].");
        }
        if (labels.DataType != IdxDataType.UnsignedByte || labels.Dimensions is not [int labelCount])
        {
            throw new InvalidDataException($"'{labelsPath}' holds {labels.DataType} [{string.Join(", ", labels.Dimensions)}], not MNIST labels: UnsignedByte [N].");
        }
        if (labelCount != count)
        {
            throw new InvalidDataException($"'{imagesPath}' holds {count} images but '{labelsPath}' holds {labelCount} labels.");
        }
        byte[] labelBytes = labels.GetData<byte>();
        int bad = Array.FindIndex(labelBytes, label => label > 9);
        if (bad >= 0)
        {
            throw new InvalidDataException($"'{labelsPath}': label {bad} is {labelBytes[bad]}, not a digit 0-9.");
        }
        return new MnistSplit(images.GetData<byte>(), labelBytes, count, ImageSize, ImageSize);
    }
}
