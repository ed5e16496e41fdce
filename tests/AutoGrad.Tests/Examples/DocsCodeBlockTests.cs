namespace AutoGrad.Tests.Examples;

/// <summary>
/// Keeps the docs from rotting: every ```csharp block of README.md and docs/*.md either is, line for line, a
/// <c>#region</c> of a file under docs/snippets or examples/ (both compiled, and run by tests), or compiles as a
/// console program referencing AutoGrad with its namespaces imported — on its own, after the earlier blocks of its
/// page (a page read top to bottom), or as the members of a class (a block showing one method). Pages listed in
/// <see cref="NN.Docs.DocSnippetTests.PagesAndTests"/> are instead kept verbatim inside a running test.
/// </summary>
public sealed class DocsCodeBlockTests
{
    public static TheoryData<string, int> Blocks()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in MarkdownCodeBlocks.MarkdownFiles())
        {
            foreach (MarkdownCodeBlock block in MarkdownCodeBlocks.Read(file))
            {
                data.Add(file, block.Line);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void CodeBlock_InDocs_MatchesSnippetRegionOrCompiles(string file, int line)
    {
        MarkdownCodeBlock block = MarkdownCodeBlocks.Read(file).Single(b => b.Line == line);
        if (MarkdownCodeBlocks.SnippetRegions().Any(r => r.Code == block.Code))
        {
            return;
        }

        // These pages keep every block verbatim inside a running test; DocSnippetTests enforces that.
        if (NN.Docs.DocSnippetTests.PagesAndTests.ContainsKey(file))
        {
            return;
        }

        IReadOnlyList<string> alone = SnippetCompiler.Errors(block.Code);
        if (alone.Count == 0)
        {
            return;
        }
        string[] earlier = MarkdownCodeBlocks.Read(file).TakeWhile(b => b.Line < line).Select(b => b.Code).ToArray();
        IReadOnlyList<string> afterEarlier = earlier.Length > 0 ? SnippetCompiler.ErrorsAfter(earlier, block.Code) : alone;
        IReadOnlyList<string> asMembers = SnippetCompiler.ErrorsAsMembers(block.Code);

        Assert.True(afterEarlier.Count == 0 || asMembers.Count == 0,
            $"The ```csharp block at {file}:{line} does not compile, and is not a #region of docs/snippets or examples/.\n" +
            "Make it compile on its own (AutoGrad's namespaces are imported for you), or after the page's earlier blocks, " +
            "or put the full code in a docs/snippets/*.cs file and show one #region of it verbatim.\n" +
            "Compiler errors on its own (line:column within the block):\n  " + string.Join("\n  ", alone.Take(8)) +
            (earlier.Length > 0 ? $"\nAfter the page's {earlier.Length} earlier block(s): {afterEarlier.Count} error(s), first: {afterEarlier.FirstOrDefault()}" : "") +
            $"\nAs class members: {asMembers.Count} error(s), first: {asMembers.FirstOrDefault()}" +
            "\nBlock:\n" + block.Code);
    }

    [Fact]
    public void Docs_README_HasCSharpBlocksToCheck()
    {
        // Guards the parser: if it stopped finding blocks, every other test here would pass vacuously.
        Assert.NotEmpty(MarkdownCodeBlocks.Read("README.md"));
        Assert.Contains(MarkdownCodeBlocks.MarkdownFiles(), f => f.StartsWith("docs/", StringComparison.Ordinal));
    }

    [Fact]
    public void SnippetRegions_AcrossFiles_HaveUniqueNames()
    {
        var duplicates = MarkdownCodeBlocks.SnippetRegions()
            .GroupBy(r => r.Name, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(r => $"{r.File}:{r.Line}"))}")
            .ToList();

        Assert.True(duplicates.Count == 0, "Snippet regions must have unique names:\n" + string.Join("\n", duplicates));
    }
}
