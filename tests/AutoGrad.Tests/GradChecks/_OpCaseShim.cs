// Minimal stand-in so this branch compiles on its own; it will be replaced by the catalog's real OpCase at merge
// (same record shape, same namespace). Delete this file when the real one lands.
using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

/// <summary>One gradient-check row: a function of differentiable inputs, how to draw those inputs, and the order to check.</summary>
public sealed record OpCase(string Name, Func<Tensor[], Tensor> Function, Func<Generator, Tensor[]> Inputs, int MaxOrder = 1, double Tolerance = 1e-5, string? ToleranceReason = null);

/// <summary>The gradient-check table, one partial file per op family.</summary>
public static partial class OpCatalog
{
}
