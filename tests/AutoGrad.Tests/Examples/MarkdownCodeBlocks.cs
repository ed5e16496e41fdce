using System.Text;
using System.Text.RegularExpressions;

namespace AutoGrad.Tests.Examples;

/// <summary>A fenced C# block of a Markdown file: where it starts and what it holds.</summary>
internal sealed record MarkdownCodeBlock(string File, int Line, string Code);

/// <summary>A <c>#region</c> of a snippet source file, the code it encloses.</summary>
internal sealed record SnippetRegion(string File, string Name, int Line, string Code);

/// <summary>Reads the repository's docs: C# blocks of Markdown files and regions of docs/snippets/*.cs.</summary>
internal static partial class MarkdownCodeBlocks
{
    /// <summary>Info strings of the blocks that must compile; other fences (text, sh, console…) are left alone.</summary>
    private static readonly HashSet<string> CSharpInfoStrings = new(StringComparer.OrdinalIgnoreCase) { "csharp", "cs", "c#" };

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>README.md and every Markdown file under docs/, as repository-relative paths with forward slashes.</summary>
    public static IReadOnlyList<string> MarkdownFiles()
    {
        var files = new List<string>();
        if (System.IO.File.Exists(Path.Combine(RepositoryRoot, "README.md")))
        {
            files.Add("README.md");
        }
        // The packages' own readmes (their nuget.org pages), src/*/README.md.
        files.AddRange(Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "src"), "README.md", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepositoryRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal));
        string docs = Path.Combine(RepositoryRoot, "docs");
        if (Directory.Exists(docs))
        {
            files.AddRange(Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(RepositoryRoot, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal));
        }
        return files;
    }

    /// <summary>The fenced C# blocks of one Markdown file (CommonMark fences of three or more backticks or tildes).</summary>
    public static IReadOnlyList<MarkdownCodeBlock> Read(string relativePath)
    {
        string[] lines = ReadLines(Path.Combine(RepositoryRoot, relativePath));
        var blocks = new List<MarkdownCodeBlock>();
        for (int i = 0; i < lines.Length; i++)
        {
            Match open = FenceOpen().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }
            string fence = open.Groups["fence"].Value;
            string info = open.Groups["info"].Value.Trim().Split(' ', 2)[0];
            int start = i + 1;
            int end = start;
            while (end < lines.Length && !IsClosingFence(lines[end], fence))
            {
                end++;
            }
            if (CSharpInfoStrings.Contains(info))
            {
                blocks.Add(new MarkdownCodeBlock(relativePath, start, Normalize(lines[start..Math.Min(end, lines.Length)])));
            }
            i = end;
        }
        return blocks;
    }

    /// <summary>
    /// Every <c>#region name</c> … <c>#endregion</c> of the C# files under docs/snippets and examples/ (nested regions
    /// included): code that the build compiles and the tests run, so docs may show it verbatim.
    /// </summary>
    public static IReadOnlyList<SnippetRegion> SnippetRegions() => CachedRegions.Value;

    private static readonly Lazy<IReadOnlyList<SnippetRegion>> CachedRegions = new(ReadRegions);

    private static IReadOnlyList<SnippetRegion> ReadRegions()
    {
        var regions = new List<SnippetRegion>();
        IEnumerable<string> sources = new[] { Path.Combine(RepositoryRoot, "docs", "snippets"), Path.Combine(RepositoryRoot, "examples") }
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                           && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (string path in sources)
        {
            string relative = Path.GetRelativePath(RepositoryRoot, path).Replace('\\', '/');
            string[] lines = ReadLines(path);
            var open = new Stack<(string Name, int Line)>();
            for (int i = 0; i < lines.Length; i++)
            {
                string trimmed = lines[i].Trim();
                if (trimmed.StartsWith("#region", StringComparison.Ordinal))
                {
                    open.Push((trimmed["#region".Length..].Trim(), i + 1));
                }
                else if (trimmed.StartsWith("#endregion", StringComparison.Ordinal) && open.Count > 0)
                {
                    (string name, int line) = open.Pop();
                    string[] body = lines[line..i].Where(l => !IsRegionDirective(l)).ToArray();
                    regions.Add(new SnippetRegion(relative, name, line, Normalize(body)));
                }
            }
        }
        return regions;
    }

    /// <summary>
    /// Removes the indentation common to all non-blank lines, trailing spaces and leading/trailing blank lines, so a
    /// region nested in a method matches the same code written flush left in Markdown.
    /// </summary>
    public static string Normalize(IEnumerable<string> lines)
    {
        var list = lines.Select(l => l.TrimEnd()).ToList();
        while (list.Count > 0 && list[0].Length == 0)
        {
            list.RemoveAt(0);
        }
        while (list.Count > 0 && list[^1].Length == 0)
        {
            list.RemoveAt(list.Count - 1);
        }
        int indent = list.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        var text = new StringBuilder();
        foreach (string line in list)
        {
            text.Append(line.Length >= indent ? line[indent..] : line).Append('\n');
        }
        return text.ToString();
    }

    private static bool IsRegionDirective(string line)
    {
        string trimmed = line.Trim();
        return trimmed.StartsWith("#region", StringComparison.Ordinal) || trimmed.StartsWith("#endregion", StringComparison.Ordinal);
    }

    private static bool IsClosingFence(string line, string fence)
    {
        string trimmed = line.TrimStart(' ');
        return line.Length - trimmed.Length <= 3
               && trimmed.StartsWith(fence, StringComparison.Ordinal)
               && trimmed.TrimEnd().All(c => c == fence[0]);
    }

    private static string[] ReadLines(string path) => System.IO.File.ReadAllText(path).ReplaceLineEndings("\n").Split('\n');

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "AutoGrad.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No AutoGrad.sln above {AppContext.BaseDirectory}; the docs tests run from the repository's build output.");
    }

    [GeneratedRegex(@"^ {0,3}(?<fence>`{3,}|~{3,})(?<info>[^`]*)$")]
    private static partial Regex FenceOpen();
}
