using System.Text.RegularExpressions;
using AutoGrad.Graphs;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.OneWorld;

/// <summary>Passes and executors read op traits, never op names; a user-defined op gets the right treatment by declaring them.</summary>
public partial class OpTraitTests
{
    [Fact]
    public void GraphsFolder_ComparesNoOpNames()
    {
        string root = RepositoryRoot();
        var offenders = new List<string>();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "src", "AutoGrad", "Graphs"), "*.cs", SearchOption.AllDirectories))
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (ComparesOpName(lines[i]))
                {
                    offenders.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "Op names compared under Graphs/:\n" + string.Join("\n", offenders));
    }

    [Theory]
    [InlineData("if (node.Op.Name == \"reshape\")", true)]
    [InlineData("case \"reshape\" or \"broadcast_to\":", true)]
    [InlineData("b.NodeOf(x) is { Op.Name: \"neg\" } inner", true)]
    [InlineData("op.Name.Contains(\"dropout\", StringComparison.Ordinal)", true)]
    [InlineData("_ when op.Name is \"reshape\" => 0,", true)]
    [InlineData("string key = remapped.Op.Name + \"(\";", false)]
    [InlineData("throw new X($\"'{op.Name}' is bad\");", false)]
    public void NameComparisonGuard_RecognizesComparisons(string line, bool expected) => Assert.Equal(expected, ComparesOpName(line));

    [Fact]
    public void UserDefinedRandomOp_UsedTwice_StaysTwoDrawsAfterOptimizingAndCompiling()
    {
        var noise = new NoiseOp(new Generator(3));
        Graph graph = Graph.Trace((Tensor[] x) => [noise.Apply(x[0]), noise.Apply(x[0]), noise.Apply(Tensor.Zeros([3]))], TensorSpec.Fixed(new Shape(3)));
        Graph optimized = graph.Optimize();
        Assert.Equal(3, optimized.Nodes.Count(n => n.Op is NoiseOp));

        IReadOnlyList<Tensor> first = optimized.Compile().Run(Tensor.Zeros([3]));
        Assert.NotEqual(first[0].ToArray(), first[1].ToArray());
        // Reading only a constant, it is still drawn on every run, never folded into one value.
        float[] constantDraw = first[2].ToArray();
        CompiledRunAgain(optimized, out float[] again);
        Assert.NotEqual(constantDraw, again);
    }

    [Fact]
    public void Summary_Flops_ComeFromTheOpsCostsAndMatchHandCounts()
    {
        var w = Tensor.RandN([4, 3, 3, 3], new Generator(1)).RequireGrad();
        w.Name = "w";
        Graph conv = Graph.Trace((Tensor x) => x.Conv2D(w), TensorSpec.Fixed(new Shape(2, 3, 8, 8)));
        // Output [2, 4, 6, 6] = 288 elements, each a 3·3·3 dot product: 2·27 flops.
        Assert.Equal(288L * 2 * 27, conv.Summary().Flops());

        var m = Tensor.RandN([7, 3], new Generator(2)).RequireGrad();
        m.Name = "m";
        Graph matmul = Graph.Trace((Tensor x) => x.MatMul(m), TensorSpec.Batched(7));
        Assert.Equal(2L * 5 * 3 * 7, matmul.Summary().Flops(5));

        Graph chain = Graph.Trace((Tensor x) => x.Mul(2.0).Add(1.0).Tanh(), TensorSpec.Batched(10)).Optimize();
        Assert.Single(chain.Nodes);
        Assert.Equal(3L * 4 * 10, chain.Summary().Flops(4));
    }

    private static void CompiledRunAgain(Graph graph, out float[] values) => values = graph.Compile().Run(Tensor.Zeros([3]))[2].ToArray();

    internal static bool ComparesOpName(string line)
    {
        string code = line.Trim();
        if (code.StartsWith("//", StringComparison.Ordinal))
        {
            return false;
        }

        return NameComparison().IsMatch(code) || NameLiteralCase().IsMatch(code);
    }

    [GeneratedRegex(@"\b(Op|op\w*)\.Name\s*(==|!=|is\s)|\bOp\.Name:\s*""|\b(Op|op\w*)\.Name\.(Contains|StartsWith|EndsWith|Equals)\(")]
    private static partial Regex NameComparison();

    [GeneratedRegex(@"case\s+""[a-z_0-9]+""|""(reshape|broadcast_to|transpose|permute|dropout|matmul|neg|mul|add|sub|div)""\s*(or|=>|\)|:)")]
    private static partial Regex NameLiteralCase();

    private static string RepositoryRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "AutoGrad.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }

        return directory ?? throw new InvalidOperationException("AutoGrad.sln not found above the test directory.");
    }

    /// <summary>A user-defined noise op: its only declaration is <see cref="OpEffect.Random"/>.</summary>
    private sealed class NoiseOp(Generator generator) : Op
    {
        public override string Name => "my_noise";

        public override OpEffect Effect => OpEffect.Random;

        public override bool IsDifferentiable => false;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => inputs[0];

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Span<float> values = output.AsSpan<float>();
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)generator.NextDouble();
            }
        }

        public override Tensor?[] Backward(GradientContext context) => throw new InvalidOperationException("no gradient");
    }
}
