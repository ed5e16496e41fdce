namespace AutoGrad.Data;

/// <summary>Options for <see cref="MnistFiles"/>: hash checks and download limits.</summary>
public sealed class MnistOptions
{
    /// <summary>
    /// Whether to check every file's SHA-256 against <see cref="ExpectedSha256"/> or
    /// <see cref="MnistFiles.KnownSha256"/>. Default <see langword="true"/>. Set it to <see langword="false"/> to
    /// load custom files in the MNIST layout (the shape and label checks still apply); downloads are then not
    /// verified at all, so only do that with mirrors you trust.
    /// </summary>
    public bool VerifySha256 { get; init; } = true;

    /// <summary>
    /// Expected SHA-256 (lowercase or uppercase hex) per file name, overriding <see cref="MnistFiles.KnownSha256"/>
    /// for the names it holds; for custom files with known hashes, and for tests.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ExpectedSha256 { get; init; }

    /// <summary>The time allowed for one download from one mirror, headers and body. Default 5 minutes.</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest file accepted from a mirror, in bytes. Default 64 MiB (the largest MNIST file is under 10 MB).</summary>
    public long MaxDownloadBytes { get; init; } = 64L << 20;
}
