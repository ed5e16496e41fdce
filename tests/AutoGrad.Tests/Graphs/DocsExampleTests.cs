using AutoGrad.Graphs;
using AutoGrad.Tensors;
using AutoGrad.Testing;

namespace AutoGrad.Tests.Graphs;

public class DocsExampleTests
{
    // --- docs/graph-snapshots.md example begins ---
    [Fact]
    public void TinyClassifier_Graphs_MatchApprovedSnapshots()
    {
        var generator = new Generator(7);
        Tensor kernel = Tensor.RandN([4, 2], generator).RequireGrad();
        kernel.Name = "classifier.kernel";
        Tensor bias = Tensor.Zeros([2]).RequireGrad();
        bias.Name = "classifier.bias";

        Graph forward = Graph.Trace(x => x.MatMul(kernel).Add(bias).Sigmoid(), TensorSpec.Batched(4));

        GraphSnapshot.Match(forward, "forward", includeSummary: true);
        GraphSnapshot.Match(forward.Gradient(), "gradient");
        GraphSnapshot.Match(forward.Gradient().Optimize(), "gradient_optimized");
    }

    // --- docs/graph-snapshots.md example ends ---
    [Fact]
    public void GraphSnapshotsDoc_WorkedExample_IsThisTestVerbatim()
    {
        string root = FindRepositoryRoot();
        string doc = File.ReadAllText(Path.Combine(root, "docs", "graph-snapshots.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        string source = File.ReadAllText(Path.Combine(root, "tests", "AutoGrad.Tests", "Graphs", "DocsExampleTests.cs")).Replace("\r\n", "\n", StringComparison.Ordinal);
        const string Begin = "// --- docs/graph-snapshots.md example begins ---\n";
        int start = source.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
        int end = source.IndexOf("    // --- docs/graph-snapshots.md example ends", StringComparison.Ordinal);
        string example = string.Join("\n", source[start..end].TrimEnd().Split('\n').Select(line => line.Length >= 4 ? line[4..] : line.TrimStart()));
        Assert.Contains(example, doc);
    }

    private static string FindRepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "")
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(path)!);
        while (!File.Exists(Path.Combine(directory.FullName, "AutoGrad.sln")))
        {
            directory = directory.Parent!;
        }

        return directory.FullName;
    }
}
