using AutoGrad.Data;

namespace AutoGrad.Examples.Mnist;

/// <summary>Decides where the MNIST files are read from, downloading them only when they are nowhere to be found.</summary>
public static class MnistDataLocator
{
    /// <summary>The copy of the four files shipped with the example, copied next to the program at build time.</summary>
    public static string ShippedDirectory => Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>
    /// Returns a folder holding the four files: <paramref name="requested"/> when given (downloading any missing
    /// file into it), else the shipped copy, else the per-user cache (<see cref="MnistFiles.DefaultCacheDirectory"/>),
    /// downloading into it when needed. Every decision is reported through <paramref name="log"/>.
    /// </summary>
    /// <param name="requested">The <c>--data</c> folder, or <see langword="null"/>.</param>
    /// <param name="log">Receives one line per decision and download step.</param>
    /// <returns>The folder to pass to <see cref="MnistFiles.Load(string, MnistOptions?)"/>.</returns>
    /// <exception cref="IOException">A file was missing and no mirror could provide it.</exception>
    public static string Resolve(string? requested, Action<string> log)
    {
        if (requested is not null)
        {
            string full = Path.GetFullPath(requested);
            if (HasAllFiles(full))
            {
                log($"Data: {full}");
                return full;
            }
            log($"Data: {full} lacks some MNIST files; downloading them there.");
            return MnistFiles.EnsureDownloaded(full, log: log);
        }
        if (HasAllFiles(ShippedDirectory))
        {
            log($"Data: {ShippedDirectory} (shipped with the example)");
            return ShippedDirectory;
        }
        log($"Data: the shipped copy is not at {ShippedDirectory}; using the cache {MnistFiles.DefaultCacheDirectory}, downloading what is missing.");
        return MnistFiles.EnsureDownloaded(log: log);
    }

    private static bool HasAllFiles(string directory) =>
        MnistFiles.FileNames.All(name => File.Exists(Path.Combine(directory, name)));
}
