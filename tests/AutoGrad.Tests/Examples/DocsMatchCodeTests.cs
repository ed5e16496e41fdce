using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AutoGrad.NN.Losses;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Examples;

/// <summary>Issue 12 item 11: statements in the docs about the code are checked against the code.</summary>
public partial class DocsMatchCodeTests
{
    private static string Architecture => File.ReadAllText(Path.Combine(MarkdownCodeBlocks.RepositoryRoot, "docs", "architecture.md"));

    [Fact]
    public void Architecture_FunctionsCalledCompositions_HaveNoOpClass()
    {
        Match sentence = CompositionSentence().Match(Architecture);
        Assert.True(sentence.Success, "docs/architecture.md no longer lists the composite functions; update this test.");
        var names = Regex.Matches(sentence.Groups[1].Value, "`(\\w+)`").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(names);
        var opClasses = typeof(Op).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Op))).Select(t => t.Name).ToHashSet();
        Assert.All(names, name =>
        {
            Assert.DoesNotContain(name + "Op", opClasses);
            Assert.NotNull(typeof(Tensor).GetMethod(name, BindingFlags.Public | BindingFlags.Instance, [typeof(Shape)])
                ?? typeof(Tensor).GetMethods().FirstOrDefault(m => m.Name == name));
        });
    }

    [Fact]
    public void Architecture_WhatTheTapeKeepsAlive_IncludesLeafInputs()
    {
        // add saves nothing for its rule, yet its node holds the leaf through the input edge.
        var x = Tensor.Ones([3]).RequireGrad();
        var y = x.Add(Tensor.Ones([3]).RequireGrad());
        Assert.Same(x, y.GradFn!.InputLeaf(0));
        Assert.DoesNotContain("the tape keeps exactly those alive", Architecture);
        Assert.Contains("leaf inputs", Architecture);
    }

    [Fact]
    public void Architecture_NnFolder_DoesNotClaimOptimizersAreTensorOps()
    {
        // RmsProp and Adagrad update raw spans in loops of their own; the docs must not call NN all tensor ops.
        string nnRow = Architecture.Split('\n').Single(line => line.StartsWith("| `NN/`", StringComparison.Ordinal));
        Assert.DoesNotContain("all compositions of tensor ops", nnRow);
        Assert.Contains("span", nnRow);
        Assert.DoesNotContain("written entirely with tensor ops", File.ReadAllText(Path.Combine(MarkdownCodeBlocks.RepositoryRoot, "docs", "nn.md")));
    }

    [Fact]
    public void LossSummary_SaysWhenTargetsReceiveGradients_AndTheyDo()
    {
        var prediction = Tensor.FromArray(new double[] { 1, 2 }).RequireGrad();
        var target = Tensor.FromArray(new double[] { 0, 0 }).RequireGrad();
        new MeanSquaredError().Compute(prediction, target).Backward();
        Assert.Equal(new[] { -1.0, -2 }, target.Grad!.ToArray<double>());

        string xml = Path.ChangeExtension(typeof(Loss).Assembly.Location, ".xml");
        string summary = XDocument.Load(xml).Descendants("member")
            .Single(m => (string?)m.Attribute("name") == "T:AutoGrad.NN.Losses.Loss").Element("summary")!.Value;
        Assert.DoesNotContain("never receive gradients", summary);
        Assert.Contains("same dtype", summary);
    }

    [GeneratedRegex(@"Functions that are compositions of primitives \(([^)]*)\)")]
    private static partial Regex CompositionSentence();
}
