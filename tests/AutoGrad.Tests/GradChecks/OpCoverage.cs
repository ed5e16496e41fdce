using System.Runtime.CompilerServices;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

/// <summary>Which differentiable op classes the gradient-check catalog exercises, found by watching the ops its functions apply.</summary>
public static class OpCoverage
{
    /// <summary>The printed names of every op applied while running each row's function once on its inputs.</summary>
    public static SortedSet<string> NamesApplied(IEnumerable<OpCase> rows)
    {
        var collector = new NameCollector();
        IOpObserver? previous = OpDispatcher.Observer;
        OpDispatcher.Observer = collector;
        try
        {
            foreach (OpCase row in rows)
            {
                Tensor[] inputs = row.CreateInputs().Select(t => t.RequireGrad()).ToArray();
                row.Function(inputs);
            }
        }
        finally
        {
            OpDispatcher.Observer = previous;
        }

        return collector.Names;
    }

    /// <summary>
    /// The concrete, differentiable <see cref="Op"/> subclasses among <paramref name="types"/> whose printed name is not
    /// in <paramref name="covered"/>, as "name (ClassName)". Ops are created without running a constructor, since only
    /// their constant name and differentiability are read.
    /// </summary>
    public static IReadOnlyList<string> Uncovered(IEnumerable<Type> types, IReadOnlySet<string> covered)
    {
        var missing = new List<string>();
        foreach (Type type in types.Where(t => t.IsClass && !t.IsAbstract && typeof(Op).IsAssignableFrom(t)).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var op = (Op)RuntimeHelpers.GetUninitializedObject(type);
            if (!op.IsDifferentiable)
            {
                continue;
            }

            string name = op.Name ?? type.Name;
            if (!covered.Contains(name))
            {
                missing.Add($"{name} ({type.Name})");
            }
        }

        return missing;
    }

    private sealed class NameCollector : IOpObserver
    {
        public SortedSet<string> Names { get; } = new(StringComparer.Ordinal);

        public bool IsAbstract => false;

        public void OnApply(Op op, ReadOnlySpan<Tensor> inputs, Tensor output) => Names.Add(op.Name);
    }
}
