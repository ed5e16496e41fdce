using System.Runtime.CompilerServices;
using System.Text;

namespace AutoGrad.Testing;

/// <summary>
/// Text snapshot assertions for any test framework. The approved text lives in
/// <c>__snapshots__/{Class}.{Method}[_{parameter}].verified.txt</c> beside the test's source file (the class is the source
/// file's name). On a mismatch the actual text is written to a <c>.received.txt</c> file beside it and the test fails with
/// a unified diff; to approve, review the diff and copy the received file over the verified one. A missing snapshot fails
/// on CI (<c>CI=true</c>) and is otherwise created. Text is compared and written with LF line endings.
/// </summary>
public static class Snapshot
{
    /// <summary>Asserts that <paramref name="actual"/> equals the approved snapshot of the calling test.</summary>
    /// <param name="actual">The text to compare (for a graph, <c>graph.ToString()</c>).</param>
    /// <param name="parameter">A suffix for theories, so each case has its own file (<c>_{parameter}</c>).</param>
    /// <param name="settings">Folder and missing-snapshot behaviour; the defaults when null.</param>
    /// <param name="sourceFile">Filled in by the compiler: the calling test's source file.</param>
    /// <param name="method">Filled in by the compiler: the calling test method.</param>
    /// <exception cref="SnapshotMismatchException">The text differs from the approved file, or the file is missing on CI.</exception>
    public static void Match(string actual, string? parameter = null, SnapshotSettings? settings = null,
        [CallerFilePath] string sourceFile = "", [CallerMemberName] string method = "")
    {
        ArgumentNullException.ThrowIfNull(actual);
        settings ??= SnapshotSettings.Default;
        string directory = settings.Directory ?? Path.Combine(Path.GetDirectoryName(sourceFile) ?? ".", "__snapshots__");
        string name = Path.GetFileNameWithoutExtension(sourceFile) + "." + method + (parameter is null ? string.Empty : "_" + Sanitize(parameter));
        string verified = Path.Combine(directory, name + ".verified.txt");
        string received = Path.Combine(directory, name + ".received.txt");
        string text = Normalize(actual);

        if (!File.Exists(verified))
        {
            bool fail = settings.FailOnMissing ?? SnapshotSettings.IsCi(Environment.GetEnvironmentVariable);
            Directory.CreateDirectory(directory);
            if (fail)
            {
                Write(received, text);
                throw new SnapshotMismatchException(
                    $"Snapshot {name}: no approved file {verified} (CI=true, so it is not created). The received text was written to {received}; " +
                    "review it and commit it as the .verified.txt file.\n" + UnifiedDiff.Create(string.Empty, text, "(missing)", "received"),
                    verified, received);
            }

            Write(verified, text);
            return;
        }

        string approved = Normalize(File.ReadAllText(verified, Encoding.UTF8));
        if (approved == text)
        {
            if (File.Exists(received))
            {
                File.Delete(received);
            }

            return;
        }

        Write(received, text);
        throw new SnapshotMismatchException(
            $"Snapshot {name} does not match {verified}.\nReceived text written to {received}; if the change is intended, review the diff and copy it over the verified file.\n" +
            UnifiedDiff.Create(approved, text, "verified", "received", settings.ContextLines),
            verified, received);
    }

    private static string Normalize(string text)
    {
        string lf = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        return lf.EndsWith('\n') ? lf : lf + "\n";
    }

    private static void Write(string path, string text) => File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

    private static string Sanitize(string parameter) =>
        string.Concat(parameter.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_'));
}
