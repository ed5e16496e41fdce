using AutoGrad.Tensors;
using static AutoGrad.Tests.GradChecks.InputSpec;

namespace AutoGrad.Tests.GradChecks;

public static partial class OpCatalog
{
    /// <summary>Axis sets every reduction is checked over on a (2,3,4) input: each axis, a negative axis, two axes, all.</summary>
    public static readonly (string Variant, int[]? Axes)[] ReductionAxes =
    [
        ("axis 0", [0]),
        ("axis 1", [1]),
        ("axis 2", [2]),
        ("axis -1", [-1]),
        ("axes (0,2)", [0, 2]),
        ("all axes", null),
    ];

    /// <summary>Reductions (sum, mean, max, min, logsumexp, var) and the per-axis normalizations softmax and log_softmax.</summary>
    public static IEnumerable<OpCase> Reductions()
    {
        Shape s = [2, 3, 4];
        foreach (var (axesName, axes) in ReductionAxes)
        {
            foreach (bool keep in new[] { false, true })
            {
                string variant = $"{axesName}{(keep ? " keepDims" : string.Empty)}";
                // Second order only on the smooth reductions and only for a few axis sets, to keep the run short.
                int order = axes is null || axes.Length == 2 ? 2 : 1;
                yield return new("reduce_sum", variant, x => x[0].Sum(axes, keep), [Normal(s)], order);
                yield return new("mean", variant, x => x[0].Mean(axes, keep), [Normal(s)], order);
                yield return new("reduce_max", variant, x => x[0].Max(axes, keep), [Distinct(s)], order);
                yield return new("reduce_min", variant, x => x[0].Min(axes, keep), [Distinct(s)], order);
                yield return new("logsumexp", variant, x => x[0].LogSumExp(axes, keep), [Normal(s)], order);
                yield return new("var", variant, x => x[0].Var(axes, keep), [Normal(s)], order);
                yield return new("var", variant + " correction 1", x => x[0].Var(axes, keep, correction: 1), [Normal(s)], order);
            }
        }

        yield return new("reduce_sum", "single-axis overload (2,3) axis 1", x => x[0].Sum(1), [Normal([2, 3])], 2);
        yield return new("reduce_max", "vector (5,)", x => x[0].Max(), [Distinct([5])], 2);
        yield return new("logsumexp", "large inputs shifted by 1000", x => x[0].Add(1000.0).LogSumExp(-1), [Normal([2, 3])], 2);

        foreach (int axis in new[] { 0, 1, 2, -1 })
        {
            yield return new("softmax", $"(2,3,4) axis {axis}", x => x[0].Softmax(axis), [Normal(s)], 2);
            yield return new("log_softmax", $"(2,3,4) axis {axis}", x => x[0].LogSoftmax(axis), [Normal(s)], 2);
        }

        yield return new("softmax", "vector (5,)", x => x[0].Softmax(), [Normal([5])], 2);
        yield return new("softmax", "large inputs shifted by 1000", x => x[0].Add(1000.0).Softmax(), [Normal([2, 3])], 2);
        yield return new("log_softmax", "large inputs shifted by 1000", x => x[0].Add(1000.0).LogSoftmax(), [Normal([2, 3])], 2);
    }
}
