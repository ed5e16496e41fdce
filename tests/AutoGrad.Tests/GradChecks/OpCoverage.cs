using System.Reflection;
using System.Runtime.CompilerServices;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

/// <summary>Which differentiable op names the gradient-check catalog exercises, found by watching the ops its functions apply.</summary>
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
    /// Every printed name among the concrete, differentiable <see cref="Op"/> subclasses of <paramref name="types"/>
    /// that is not in <paramref name="covered"/>, as "name (ClassName)", sorted. A class may report several names (one
    /// definition for softmax and log_softmax, for maximum and minimum); <see cref="NamesOf"/> lists them all. A class
    /// whose name is computed but which exposes no instances to read it from is reported as unguardable.
    /// </summary>
    public static IReadOnlyList<string> Uncovered(IEnumerable<Type> types, IReadOnlySet<string> covered)
    {
        var missing = new List<string>();
        foreach (Type type in types.Where(IsConcreteOp).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            if (!IsDifferentiable(type))
            {
                continue;
            }

            IReadOnlyList<string>? names = TryNamesOf(type);
            if (names is null)
            {
                missing.Add($"? ({type.Name}): Name is computed; declare `internal static IReadOnlyList<Op> Variants` with one instance per name");
                continue;
            }

            missing.AddRange(names.Where(name => !covered.Contains(name)).Select(name => $"{name} ({type.Name})"));
        }

        missing.Sort(StringComparer.Ordinal);
        return missing;
    }

    /// <summary>
    /// Every printed name an op class can report, sorted: the constant of a <c>Name =&gt; "exp"</c> getter, else the
    /// names of the instances the class exposes (static fields or properties of its own type, such as
    /// <c>ExtremumOp.Maximum</c>, and a static <c>Variants</c> list of <see cref="Op"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The name is computed and the class exposes no instance.</exception>
    public static IReadOnlyList<string> NamesOf(Type type) =>
        TryNamesOf(type) ?? throw new InvalidOperationException($"{type.Name}.Name is computed and the class exposes no instances to read it from.");

    private static IReadOnlyList<string>? TryNamesOf(Type type)
    {
        if (HasConstantName(type))
        {
            // Only the constant is read, so no constructor needs to run.
            return [((Op)RuntimeHelpers.GetUninitializedObject(type)).Name];
        }

        var names = Instances(type).Select(op => op.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return names.Count == 0 ? null : names;
    }

    private static bool IsConcreteOp(Type type) =>
        type.IsClass && !type.IsAbstract && !type.ContainsGenericParameters && typeof(Op).IsAssignableFrom(type);

    private static bool IsDifferentiable(Type type)
    {
        // IsDifferentiable is a constant per class in every op; an instance, when the class exposes one, is the safest read.
        Op op = Instances(type).FirstOrDefault() ?? (Op)RuntimeHelpers.GetUninitializedObject(type);
        return op.IsDifferentiable;
    }

    private static IEnumerable<Op> Instances(Type type)
    {
        const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (FieldInfo field in type.GetFields(Static).Where(f => type.IsAssignableFrom(f.FieldType)))
        {
            if (field.GetValue(null) is Op op)
            {
                yield return op;
            }
        }

        foreach (PropertyInfo property in type.GetProperties(Static).Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0))
        {
            object? value = type.IsAssignableFrom(property.PropertyType) || property.Name == "Variants" ? property.GetValue(null) : null;
            foreach (Op op in value switch { Op single => [single], IEnumerable<Op> many => many, _ => [] })
            {
                yield return op;
            }
        }
    }

    /// <summary>True when the class's <c>Name</c> getter is <c>ldstr "…"; ret</c> (nops aside): the same string for every instance.</summary>
    private static bool HasConstantName(Type type)
    {
        MethodInfo getter = type.GetProperty(nameof(Op.Name), BindingFlags.Public | BindingFlags.Instance)!.GetMethod!;
        byte[] il = getter.GetMethodBody()?.GetILAsByteArray() ?? [];
        int at = SkipNops(il, 0);
        if (at + 5 > il.Length || il[at] != Ldstr)
        {
            return false;
        }

        at = SkipNops(il, at + 5); // ldstr carries a 4-byte string token
        return at == il.Length - 1 && il[at] == Ret;
    }

    private static int SkipNops(byte[] il, int at)
    {
        while (at < il.Length && il[at] == Nop)
        {
            at++;
        }

        return at;
    }

    private const byte Nop = 0x00;
    private const byte Ldstr = 0x72;
    private const byte Ret = 0x2A;

    private sealed class NameCollector : IOpObserver
    {
        public SortedSet<string> Names { get; } = new(StringComparer.Ordinal);

        public bool IsAbstract => false;

        public void OnApply(Op op, ReadOnlySpan<Tensor> inputs, Tensor output) => Names.Add(op.Name);
    }
}
