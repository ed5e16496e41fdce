using AutoGrad.Testing;

namespace AutoGrad.Tests.Testing;

/// <summary>The DiffPlex-backed unified diff prints what <c>diff -u</c> prints for the cases snapshots meet.</summary>
public class UnifiedDiffTests
{
    [Fact]
    public void Create_MissingSnapshot_NumbersTheEmptyOldRangeFromZero()
    {
        Assert.Equal("--- (missing)\n+++ received\n@@ -0,0 +1,2 @@\n+x\n+y\n", UnifiedDiff.Create("", "x\ny\n", "(missing)", "received"));
    }

    [Fact]
    public void Create_InsertionWithoutContext_NumbersTheEmptyOldRangeByTheLineBefore()
    {
        Assert.Equal("--- verified\n+++ received\n@@ -2,0 +3,1 @@\n+new\n", UnifiedDiff.Create("a\nb\nc\n", "a\nb\nnew\nc\n", context: 0));
    }

    [Fact]
    public void Create_CrlfAgainstLf_IsEqual()
    {
        Assert.Equal(string.Empty, UnifiedDiff.Create("a\r\nb\r\n", "a\nb\n"));
    }

    [Fact]
    public void Create_OneLineChanged_ShowsDeletionBeforeInsertionWithContext()
    {
        Assert.Equal("--- verified\n+++ received\n@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n", UnifiedDiff.Create("a\nb\nc\n", "a\nx\nc\n"));
    }
}
