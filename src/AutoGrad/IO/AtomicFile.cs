namespace AutoGrad.IO;

/// <summary>
/// Writes files so that a crash or an exception midway never destroys the last good version.
/// </summary>
/// <remarks>
/// <para>
/// Every write goes to a temporary file with a unique name in the target's own directory (so the final rename
/// stays on one volume and is atomic), is flushed to the disk with <see cref="FileStream.Flush(bool)"/>, and only
/// then is renamed over the target with <see cref="File.Move(string, string, bool)"/>. If the writer callback,
/// the flush or the rename fails, the temporary file is deleted and the exception propagates: the target is
/// either the complete old file or the complete new one, never a mix.
/// </para>
/// <para>
/// The temporary file is named <c>.{file name}.{random}.tmp</c>. A write first deletes such files of the same target
/// that a killed write left behind (a temporary file its writer still holds open is kept), and refuses to replace a
/// read-only target. The data are flushed to the disk before the
/// rename; the directory entry written by the rename itself is not flushed (.NET offers no portable way to), so
/// after a power loss a file system may still show the old version, but never a torn one.
/// </para>
/// </remarks>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The target file. Its directory must exist.</param>
    /// <param name="bytes">The whole new content.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names no file.</exception>
    /// <exception cref="DirectoryNotFoundException">The target's directory does not exist; the message names the target.</exception>
    /// <exception cref="UnauthorizedAccessException">The target exists and is read-only; it is left unchanged.</exception>
    /// <exception cref="IOException">The temporary file could not be written or renamed; the target is unchanged.</exception>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        // A span cannot be captured by the lambda, so it is copied once; files written this way are small.
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>
    /// Writes a file atomically: <paramref name="write"/> fills a temporary file, which then replaces
    /// <paramref name="path"/>.
    /// </summary>
    /// <param name="path">The target file. Its directory must exist.</param>
    /// <param name="write">Writes the whole new content to the stream it is given; it must not close the stream.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names no file.</exception>
    /// <exception cref="DirectoryNotFoundException">The target's directory does not exist; the message names the target.</exception>
    /// <exception cref="UnauthorizedAccessException">The target exists and is read-only; it is left unchanged.</exception>
    /// <exception cref="IOException">The temporary file could not be written or renamed; the target is unchanged.</exception>
    /// <remarks>Any exception thrown by <paramref name="write"/> propagates unchanged, the target untouched and the temporary file deleted.</remarks>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string temp = TempPathFor(target);
        RefuseReadOnly(target);
        RemoveStaleTempFiles(target);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Asynchronous form of <see cref="Write(string, Action{Stream})"/>, for writers that read from the network.
    /// </summary>
    /// <param name="path">The target file. Its directory must exist.</param>
    /// <param name="write">Writes the whole new content to the stream it is given; it must not close the stream.</param>
    /// <param name="cancellationToken">Cancels the write; the target is then unchanged.</param>
    /// <returns>A task that completes when the new file is in place.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names no file.</exception>
    /// <exception cref="DirectoryNotFoundException">The target's directory does not exist; the message names the target.</exception>
    /// <exception cref="UnauthorizedAccessException">The target exists and is read-only; it is left unchanged.</exception>
    /// <exception cref="IOException">The temporary file could not be written or renamed; the target is unchanged.</exception>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string temp = TempPathFor(target);
        RefuseReadOnly(target);
        RemoveStaleTempFiles(target);
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 81920, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static string TempPathFor(string target)
    {
        string? directory = Path.GetDirectoryName(target);
        string name = Path.GetFileName(target);
        if (directory is null || name.Length == 0)
        {
            throw new ArgumentException($"'{target}' does not name a file.", "path");
        }

        if (!Directory.Exists(directory))
        {
            // Checked here so the error names the caller's target, not the hidden temporary file.
            throw new DirectoryNotFoundException($"Cannot write '{target}': the directory '{directory}' does not exist.");
        }
        return Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>
    /// Renaming over a file needs only write access to its directory, so without this check a save would replace a
    /// read-only file (even one owned by another user in a shared directory), which File.WriteAllBytes refuses.
    /// </summary>
    private static void RefuseReadOnly(string target)
    {
        if (File.Exists(target) && (File.GetAttributes(target) & FileAttributes.ReadOnly) != 0)
        {
            throw new UnauthorizedAccessException($"Cannot replace '{target}': the file is read-only (make it writable, or write to another path).");
        }
    }

    /// <summary>
    /// Deletes what writes of the same target killed midway left behind (<c>.{name}.{32 hex digits}.tmp</c>). A temporary
    /// file that another writer still holds open (exclusively, as <see cref="Write"/> does) is left alone.
    /// </summary>
    private static void RemoveStaleTempFiles(string target)
    {
        string directory = Path.GetDirectoryName(target)!;
        string prefix = $".{Path.GetFileName(target)}.";
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, prefix + "*.tmp").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (string candidate in candidates)
        {
            string middle = Path.GetFileName(candidate)[prefix.Length..^".tmp".Length];
            if (middle.Length != 32 || !middle.All(char.IsAsciiHexDigitLower))
            {
                continue;
            }

            try
            {
                // Opening it exclusively fails while its writer is still running; closing deletes it.
                using var stream = new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use, or not ours to delete: leave it.
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original exception matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
