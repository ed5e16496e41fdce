namespace AutoGrad.Testing;

/// <summary>Where snapshots live and how a missing one is treated.</summary>
public sealed record SnapshotSettings
{
    /// <summary>The folder for snapshot files; by default <c>__snapshots__</c> beside the calling test's source file.</summary>
    public string? Directory { get; init; }

    /// <summary>
    /// Whether a missing approved snapshot fails the test (true on CI) or is written as the new approved file (false, for a
    /// developer adding a test). By default, true exactly when the environment variable <c>CI</c> is <c>true</c>.
    /// </summary>
    public bool? FailOnMissing { get; init; }

    /// <summary>Lines of unchanged context around each change in the diff.</summary>
    public int ContextLines { get; init; } = 3;

    /// <summary>The default settings.</summary>
    public static SnapshotSettings Default { get; } = new();

    /// <summary>Whether the <c>CI</c> variable read by <paramref name="getVariable"/> is <c>true</c> (case-insensitive).</summary>
    public static bool IsCi(Func<string, string?> getVariable) =>
        string.Equals(getVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
