namespace AutoGrad.Tests.Examples;

/// <summary>
/// Keeps the docs from rotting: every ```csharp block of README.md and docs/*.md either is, line for line, a
/// <c>#region</c> of a file under docs/snippets (those files are compiled into this test project, and tests run
/// them), or compiles on its own as a console program referencing AutoGrad.
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

        IReadOnlyList<string> errors = SnippetCompiler.Errors(block.Code);

        Assert.True(errors.Count == 0,
            $"The ```csharp block at {file}:{line} neither matches a #region of docs/snippets/*.cs nor compiles on its own " +
            "(as a console program with implicit usings, referencing AutoGrad). Either make it a complete program, or " +
            "put the full code in a docs/snippets file and show one #region of it verbatim. Compiler errors (line:column " +
            "within the block):\n  " + string.Join("\n  ", errors.Take(10)) + "\nBlock:\n" + block.Code);
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
