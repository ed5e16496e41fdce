using System.Reflection;

namespace AutoGrad.Tests.GradChecks;

/// <summary>
/// The gradient-check table, one partial file per op family (Elementwise, Reductions, Linear, CoreShapes here; other
/// families add their own file). Each family is a static method returning <c>IEnumerable&lt;OpCase&gt;</c>;
/// <see cref="All"/> finds them by reflection, so adding a family file needs no edit anywhere else.
/// </summary>
public static partial class OpCatalog
{
    private static readonly Lazy<IReadOnlyList<OpCase>> Rows = new(Collect);

    /// <summary>Every row of every family, families in name order.</summary>
    public static IReadOnlyList<OpCase> All() => Rows.Value;

    /// <summary>The row with the given <see cref="OpCase.Id"/>.</summary>
    public static OpCase Find(string id) =>
        All().FirstOrDefault(row => row.Id == id) ?? throw new KeyNotFoundException($"No catalog row with id '{id}'.");

    /// <summary>The family methods: static, parameterless, returning IEnumerable&lt;OpCase&gt;.</summary>
    public static IEnumerable<MethodInfo> Families() =>
        typeof(OpCatalog)
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(m => m.GetParameters().Length == 0 && m.ReturnType == typeof(IEnumerable<OpCase>))
            .OrderBy(m => m.Name, StringComparer.Ordinal);

    private static IReadOnlyList<OpCase> Collect() =>
        Families().SelectMany(m => (IEnumerable<OpCase>)m.Invoke(null, null)!).ToList();
}
