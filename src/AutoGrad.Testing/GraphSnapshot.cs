using System.Runtime.CompilerServices;
using AutoGrad.Graphs;

namespace AutoGrad.Testing;

/// <summary>Snapshot assertions for graphs: the graph's text form (and optionally its summary) against an approved file.</summary>
public static class GraphSnapshot
{
    /// <summary>Asserts that the graph's text form equals the approved snapshot of the calling test (see <see cref="Snapshot.Match"/>).</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="parameter">A suffix for theories.</param>
    /// <param name="includeSummary">Append the <see cref="Graph.Summary"/> (node counts, parameters, FLOPs).</param>
    /// <param name="settings">Folder and missing-snapshot behaviour.</param>
    /// <param name="sourceFile">Filled in by the compiler.</param>
    /// <param name="method">Filled in by the compiler.</param>
    /// <exception cref="SnapshotMismatchException">The text differs, or the snapshot is missing on CI.</exception>
    public static void Match(Graph graph, string? parameter = null, bool includeSummary = false, SnapshotSettings? settings = null,
        [CallerFilePath] string sourceFile = "", [CallerMemberName] string method = "")
    {
        ArgumentNullException.ThrowIfNull(graph);
        string text = graph.ToString();
        if (includeSummary)
        {
            text += "\n" + graph.Summary();
        }

        Snapshot.Match(text, parameter, settings, sourceFile, method);
    }
}
