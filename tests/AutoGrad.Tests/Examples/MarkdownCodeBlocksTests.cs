namespace AutoGrad.Tests.Examples;

public sealed class MarkdownCodeBlocksTests
{
    [Fact]
    public void Normalize_IndentedRegionAndFlushBlock_AreEqual()
    {
        string indented = MarkdownCodeBlocks.Normalize(["", "        var x = 1;  ", "        if (x > 0)", "            x++;", ""]);
        string flush = MarkdownCodeBlocks.Normalize(["var x = 1;", "if (x > 0)", "    x++;"]);

        Assert.Equal("var x = 1;\nif (x > 0)\n    x++;\n", indented);
        Assert.Equal(flush, indented);
    }

    [Theory]
    [InlineData("int x = 1;\nx++;", 0)]
    [InlineData("class Foo { public int Bar() => 1; }", 0)]
    [InlineData("using AutoGrad.Tensors;\nvar t = Tensor.Zeros([2, 3]);\nConsole.WriteLine(t.Shape);", 0)]
    [InlineData("var t = Tensor.Zeros([2, 3]);\nvar m = new Sequential(new Dense(1));", 0)] // AutoGrad namespaces are implicit
    [InlineData("var t = Tensr.Zeros([2, 3]);", 1)]
    [InlineData("int x = \"text\";", 1)]
    public void SnippetCompiler_Block_ReportsErrorCount(string code, int expectedErrors)
    {
        IReadOnlyList<string> errors = SnippetCompiler.Errors(code);

        Assert.True(errors.Count == expectedErrors, $"expected {expectedErrors} errors, got:\n{string.Join("\n", errors)}");
    }

    [Fact]
    public void SnippetCompiler_BlockUsingEarlierBlocks_CompilesOnlyAfterThem()
    {
        string[] earlier = ["using System.Text;\nvar builder = new StringBuilder();", "record Point(int X, int Y);"];
        const string block = "builder.Append(new Point(1, 2));";

        Assert.NotEmpty(SnippetCompiler.Errors(block));
        Assert.Empty(SnippetCompiler.ErrorsAfter(earlier, block));
    }

    [Fact]
    public void SnippetCompiler_MethodBlock_CompilesAsMembers()
    {
        const string block = "public int Twice(int x) => 2 * x;";

        Assert.Empty(SnippetCompiler.ErrorsAsMembers(block));
        Assert.NotEmpty(SnippetCompiler.ErrorsAsMembers("public int Twice(int x) => 2 * y;"));
    }

    [Fact]
    public void SnippetCompiler_Error_NamesLineAndCode()
    {
        IReadOnlyList<string> errors = SnippetCompiler.Errors("int a = 1;\nint b = undefinedThing;");

        Assert.Equal("2:9: CS0103 The name 'undefinedThing' does not exist in the current context", Assert.Single(errors));
    }
}
