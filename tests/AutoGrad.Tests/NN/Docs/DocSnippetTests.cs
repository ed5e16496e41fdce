using System.Text.RegularExpressions;

namespace AutoGrad.Tests.NN.Docs;

/// <summary>Keeps the C# blocks of the NN docs identical to the compiled tests that run them.</summary>
public class DocSnippetTests
{
    /// <summary>Pages whose blocks are kept verbatim inside a compiled, running test file (the other docs use snippet regions).</summary>
    public static readonly IReadOnlyDictionary<string, string> PagesAndTests = new Dictionary<string, string>
    {
        ["docs/custom-layers.md"] = "tests/AutoGrad.Tests/NN/Docs/CustomLayerDocTests.cs",
        ["docs/nn.md"] = "tests/AutoGrad.Tests/NN/Docs/NnDocTests.cs",
    };

    public static TheoryData<string, string> Pages()
    {
        var data = new TheoryData<string, string>();
        foreach (var (doc, test) in PagesAndTests)
        {
            data.Add(doc, test);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Doc_EveryCSharpBlock_AppearsVerbatimInItsTest(string doc, string test)
    {
        string root = RepositoryRoot();
        string[] source = Lines(File.ReadAllText(Path.Combine(root, test)));
        var blocks = Regex.Matches(File.ReadAllText(Path.Combine(root, doc)).Replace("\r\n", "\n"), "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.NotEmpty(blocks);
        foreach (Match block in blocks)
        {
            string[] snippet = Lines(block.Groups[1].Value);
            Assert.True(ContainsRun(source, snippet), $"{doc}: this block is not in {test}:\n{block.Groups[1].Value}");
        }
    }

    private static string[] Lines(string text) =>
        text.Replace("\r\n", "\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

    private static bool ContainsRun(string[] source, string[] snippet)
    {
        for (int start = 0; start + snippet.Length <= source.Length; start++)
        {
            if (source.AsSpan(start, snippet.Length).SequenceEqual(snippet))
            {
                return true;
            }
        }

        return false;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AutoGrad.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("AutoGrad.sln not found above " + AppContext.BaseDirectory);
    }
}
