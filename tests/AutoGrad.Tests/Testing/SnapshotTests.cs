using AutoGrad.Graphs;
using AutoGrad.Testing;
using AutoGrad.Tests.Graphs;

namespace AutoGrad.Tests.Testing;

public class SnapshotTests
{
    private static SnapshotSettings TempSettings(bool failOnMissing) =>
        new() { Directory = Directory.CreateTempSubdirectory("snapshots").FullName, FailOnMissing = failOnMissing };

    [Fact]
    public void Match_GraphChangedAfterApproval_FailsWithUnifiedDiffAndWritesReceived()
    {
        SnapshotSettings settings = TempSettings(failOnMissing: false);
        var w = AutoGrad.Tensors.Tensor.Ones([4, 3]).RequireGrad().Also("dense1.kernel");
        GraphSnapshot.Match(Graph.Trace(x => x.MatMul(w).Relu(), TensorSpec.Batched(4)), settings: settings);

        var error = Assert.Throws<SnapshotMismatchException>(() =>
            GraphSnapshot.Match(Graph.Trace(x => x.MatMul(w).Tanh(), TensorSpec.Batched(4)), settings: settings));

        Assert.EndsWith("SnapshotTests.Match_GraphChangedAfterApproval_FailsWithUnifiedDiffAndWritesReceived.verified.txt", error.VerifiedPath);
        Assert.Contains(
            "--- verified\n+++ received\n@@ -1,5 +1,5 @@\n inputs a:f32[B,4]\n params dense1.kernel:f32[4,3]\n" +
            "   b:f32[B,3] = matmul a dense1.kernel\n-  c:f32[B,3] = relu b\n+  c:f32[B,3] = tanh b\n outputs c\n",
            error.Message);
        Assert.Equal("inputs a:f32[B,4]\nparams dense1.kernel:f32[4,3]\n  b:f32[B,3] = matmul a dense1.kernel\n  c:f32[B,3] = tanh b\noutputs c\n",
            File.ReadAllText(error.ReceivedPath));
    }

    [Fact]
    public void Match_MissingSnapshotOnCi_FailsAndDoesNotCreateTheVerifiedFile()
    {
        SnapshotSettings settings = TempSettings(failOnMissing: true);
        var error = Assert.Throws<SnapshotMismatchException>(() => Snapshot.Match("x\n", "case1", settings));
        Assert.Contains("CI=true, so it is not created", error.Message);
        Assert.False(File.Exists(error.VerifiedPath));
        Assert.Equal("x\n", File.ReadAllText(error.ReceivedPath));
        Assert.EndsWith("SnapshotTests.Match_MissingSnapshotOnCi_FailsAndDoesNotCreateTheVerifiedFile_case1.received.txt", error.ReceivedPath);
    }

    [Fact]
    public void Match_MissingSnapshotOutsideCi_CreatesItWithLfEndings()
    {
        SnapshotSettings settings = TempSettings(failOnMissing: false);
        Snapshot.Match("one\r\ntwo", settings: settings);
        string path = Path.Combine(settings.Directory!, "SnapshotTests.Match_MissingSnapshotOutsideCi_CreatesItWithLfEndings.verified.txt");
        Assert.Equal("one\ntwo\n", File.ReadAllText(path));
        Snapshot.Match("one\ntwo\n", settings: settings);
    }

    [Fact]
    public void Match_VerifiedFileWithCrlf_StillMatchesAndRemovesAStaleReceivedFile()
    {
        SnapshotSettings settings = TempSettings(failOnMissing: true);
        string stem = Path.Combine(settings.Directory!, "SnapshotTests.Match_VerifiedFileWithCrlf_StillMatchesAndRemovesAStaleReceivedFile");
        File.WriteAllText(stem + ".verified.txt", "a\r\nb\r\n");
        File.WriteAllText(stem + ".received.txt", "old");
        Snapshot.Match("a\nb\n", settings: settings);
        Assert.False(File.Exists(stem + ".received.txt"));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    [InlineData(null, false)]
    public void IsCi_EnvironmentValue_IsTrueOnlyForTrue(string? value, bool expected) =>
        Assert.Equal(expected, SnapshotSettings.IsCi(name => name == "CI" ? value : null));

    [Fact]
    public void UnifiedDiff_ChangesFarApart_MakesTwoHunksWithContext()
    {
        string before = string.Join("\n", Enumerable.Range(1, 12).Select(i => $"line{i}")) + "\n";
        string after = before.Replace("line2\n", "LINE2\n", StringComparison.Ordinal).Replace("line11\n", "", StringComparison.Ordinal);
        Assert.Equal(
            "--- verified\n+++ received\n" +
            "@@ -1,5 +1,5 @@\n line1\n-line2\n+LINE2\n line3\n line4\n line5\n" +
            "@@ -8,5 +8,4 @@\n line8\n line9\n line10\n-line11\n line12\n",
            UnifiedDiff.Create(before, after));
        Assert.Equal(string.Empty, UnifiedDiff.Create(before, before));
    }
}
