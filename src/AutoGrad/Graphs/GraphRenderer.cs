using System.Diagnostics;

namespace AutoGrad.Graphs;

/// <summary>Renders a graph to SVG or PNG with the Graphviz <c>dot</c> program, when it is installed.</summary>
public static class GraphRenderer
{
    /// <summary>Whether <c>dot</c> is on PATH.</summary>
    public static bool IsDotAvailable => FindDot(Environment.GetEnvironmentVariable("PATH")) is not null;

    /// <summary>Writes the graph as <paramref name="format"/> (<c>svg</c> or <c>png</c>) to <paramref name="outputPath"/> by running <c>dot</c>.</summary>
    /// <exception cref="ArgumentException">The format is neither svg nor png.</exception>
    /// <exception cref="InvalidOperationException"><c>dot</c> is not on PATH, or it failed (its error output is included).</exception>
    public static void Render(Graph graph, string outputPath, string format = "svg") =>
        Render(graph, outputPath, format, Environment.GetEnvironmentVariable("PATH"));

    internal static void Render(Graph graph, string outputPath, string format, string? searchPath)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (format is not ("svg" or "png"))
        {
            throw new ArgumentException($"GraphRenderer.Render: format must be \"svg\" or \"png\", got \"{format}\".", nameof(format));
        }

        string dot = FindDot(searchPath) ?? throw new InvalidOperationException(
            "GraphRenderer.Render: the Graphviz 'dot' program was not found on PATH, so the graph cannot be rendered to " + format + ". " +
            "Install Graphviz (https://graphviz.org), or use graph.ToMermaid() (renders in GitHub markdown) or graph.ToDot() with any DOT viewer.");

        var start = new ProcessStartInfo(dot)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-T" + format);
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add(outputPath);
        using var process = Process.Start(start)!;
        process.StandardInput.Write(graph.ToDot());
        process.StandardInput.Close();
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"GraphRenderer.Render: dot exited with code {process.ExitCode}: {errors}");
        }
    }

    /// <summary>The full path of <c>dot</c> in a PATH-style list of directories, or null.</summary>
    internal static string? FindDot(string? searchPath)
    {
        if (string.IsNullOrEmpty(searchPath))
        {
            return null;
        }

        string[] names = OperatingSystem.IsWindows() ? ["dot.exe", "dot"] : ["dot"];
        foreach (string directory in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string name in names)
            {
                string candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
