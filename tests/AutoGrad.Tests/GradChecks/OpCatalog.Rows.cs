using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

public static partial class OpCatalog
{
    /// <summary>
    /// A row written as "op variant", a function, and one draw of all its inputs (the form the shaping, indexing and
    /// conv families use, where inputs are drawn together, e.g. distinct values for pooling). The draw runs once with the
    /// row's seed; each input's spec then hands out a copy of its value.
    /// </summary>
    private static OpCase Row(string name, Func<Tensor[], Tensor> function, Func<Generator, Tensor[]> draw, int MaxOrder = 1,
        double Tolerance = 1e-5, string? ToleranceReason = null)
    {
        const long seed = 42;
        int space = name.IndexOf(' ');
        string op = space < 0 ? name : name[..space];
        string variant = space < 0 ? "default" : name[(space + 1)..];
        Tensor[] drawn = draw(new Generator(seed));
        InputSpec[] inputs = drawn.Select(t => new InputSpec(t.Shape, "drawn together", (_, _) => t.Clone())).ToArray();
        Tolerance? tolerance = Tolerance == 1e-5 && ToleranceReason is null
            ? null
            : new Tolerance(Tolerance, GradChecks.Tolerance.Default.Relative, ToleranceReason ?? "absolute tolerance chosen for this row");
        return new OpCase(op, variant, function, inputs, MaxOrder, tolerance, seed);
    }
}
