using AutoGrad.Differentiation;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

public class OpCatalogGradCheckTests
{
    public static TheoryData<string> FirstOrderRows() => Ids(OpCatalog.All());

    public static TheoryData<string> SecondOrderRows() => Ids(OpCatalog.All().Where(row => row.MaxOrder >= 2));

    [Theory]
    [MemberData(nameof(FirstOrderRows))]
    public void GradCheck_CatalogRow_MatchesFiniteDifferences(string id)
    {
        OpCase row = OpCatalog.Find(id);
        GradCheckResult result = GradCheck.Check(row.Function, row.CreateInputs(), row.Options);
        Assert.True(result.Passed, $"{id}: {result.Message}");
    }

    [Theory]
    [MemberData(nameof(SecondOrderRows))]
    public void CheckSecondOrder_CatalogRow_MatchesFiniteDifferencesOfTheGradient(string id)
    {
        OpCase row = OpCatalog.Find(id);
        GradCheckResult result = GradCheck.CheckSecondOrder(row.Function, row.CreateInputs(), row.Options);
        Assert.True(result.Passed, $"{id}: {result.Message}");
    }

    [Theory]
    [MemberData(nameof(FirstOrderRows))]
    public void Forward_CatalogRow_SameWhenFreshOutputsArePoisoned(string id)
    {
        // An op that declares it writes every element of its output gets an uninitialized one; filled with NaN here, any
        // element such an op skips shows up as a difference (the backward-op rows run their op in this forward too).
        OpCase row = OpCatalog.Find(id);
        Tensor[] Inputs() => [.. row.CreateInputs().Select(x => x.DType is DType.Float32 or DType.Float64 ? x.RequireGrad() : x)];
        double[] expected = row.Function(Inputs()).ToArray<double>();
        double[] poisoned;
        OpDispatcher.PoisonUninitializedOutputs = true;
        try
        {
            poisoned = row.Function(Inputs()).ToArray<double>();
        }
        finally
        {
            OpDispatcher.PoisonUninitializedOutputs = false;
        }

        Assert.Equal(expected, poisoned);
    }

    [Fact]
    public void Catalog_RowIds_AreUnique()
    {
        var duplicates = OpCatalog.All().GroupBy(row => row.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.Equal(Array.Empty<string>(), duplicates);
    }

    [Fact]
    public void Catalog_Families_AreFoundByReflection()
    {
        var families = OpCatalog.Families().Select(m => m.Name).ToArray();
        Assert.Superset(new HashSet<string> { "CoreShapes", "Elementwise", "Linear", "Reductions" }, new HashSet<string>(families));
    }

    [Fact]
    public void Catalog_EveryBinaryOp_CoversEveryBroadcastPattern()
    {
        foreach (string op in new[] { "add", "sub", "mul", "div", "pow", "maximum", "minimum" })
        {
            var variants = OpCatalog.All().Where(row => row.Op == op).Select(row => row.Variant).ToHashSet();
            Assert.All(OpCatalog.BroadcastPatterns, pattern => Assert.Contains(pattern.Variant, variants));
        }
    }

    [Theory]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    [InlineData("exp")]
    [InlineData("mul")]
    [InlineData("matmul")]
    [InlineData("softmax")]
    [InlineData("log_softmax")]
    [InlineData("mlp_mse")]
    public void Catalog_KeyOps_HaveSecondOrderRows(string op) =>
        Assert.Contains(OpCatalog.All(), row => row.Op == op && row.MaxOrder == 2);

    private static TheoryData<string> Ids(IEnumerable<OpCase> rows)
    {
        var data = new TheoryData<string>();
        foreach (OpCase row in rows)
        {
            data.Add(row.Id);
        }

        return data;
    }
}
