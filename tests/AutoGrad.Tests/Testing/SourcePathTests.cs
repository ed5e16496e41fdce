using System.Runtime.CompilerServices;

namespace AutoGrad.Tests.Testing;

/// <summary>
/// Snapshot tests find their approved files beside the test source through <c>[CallerFilePath]</c>; a build that maps
/// source paths (ContinuousIntegrationBuild's <c>/_/</c>) would send every snapshot to a folder that does not exist.
/// </summary>
public class SourcePathTests
{
    [Fact]
    public void CallerFilePath_InTheTestAssembly_IsTheRealSourceFile()
    {
        string path = ThisFile();

        Assert.True(File.Exists(path), $"[CallerFilePath] gave '{path}', which does not exist: is the test project built with a source path map (ContinuousIntegrationBuild)?");
        Assert.EndsWith(Path.Combine("Testing", "SourcePathTests.cs"), path, StringComparison.Ordinal);
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
