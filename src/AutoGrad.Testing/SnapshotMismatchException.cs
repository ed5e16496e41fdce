namespace AutoGrad.Testing;

/// <summary>A snapshot did not match its approved file, or was missing on CI. The message carries a unified diff and the file paths.</summary>
public sealed class SnapshotMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SnapshotMismatchException(string message, string verifiedPath, string receivedPath)
        : base(message)
    {
        VerifiedPath = verifiedPath;
        ReceivedPath = receivedPath;
    }

    /// <summary>The approved file.</summary>
    public string VerifiedPath { get; }

    /// <summary>The file the received text was written to.</summary>
    public string ReceivedPath { get; }
}
