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
/// The temporary file is named <c>.{file name}.{random}.tmp</c>. The data are flushed to the disk before the
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
    /// <exception cref="IOException">The temporary file could not be written or renamed; the target is unchanged.</exception>
    /// <remarks>Any exception thrown by <paramref name="write"/> propagates unchanged, the target untouched and the temporary file deleted.</remarks>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string temp = TempPathFor(target);
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
    /// <exception cref="IOException">The temporary file could not be written or renamed; the target is unchanged.</exception>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string temp = TempPathFor(target);
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
