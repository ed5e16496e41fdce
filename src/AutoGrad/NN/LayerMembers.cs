using System.Collections;
using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>
/// Finds the parameters, buffers and sub-layers of a layer by reflection over its instance fields (auto-properties
/// through their backing fields), including lists, arrays and dictionaries of them, nested to any depth.
/// </summary>
/// <remarks>
/// <para>The field list (with a compiled getter per field) is computed once per type. A scan also records a
/// <see cref="Watch"/> for every slot it read — each field, each list and dictionary, each <see cref="Sequential"/>'s
/// (or functional model's) layer list — so a layer can later tell, by comparing references through those compiled getters and without any
/// reflection, whether the structure it cached is still the structure in its fields.</para>
/// <para>A field whose value hides tensors that require grad, or layers, in a
/// container that cannot be enumerated in a stable order (a tuple, a set, a plain object) is an error rather than a
/// silently untrained parameter: that trap is why discovery exists.</para>
/// </remarks>
internal static class LayerMembers
{
    private static readonly ConcurrentDictionary<Type, Member[]> Cache = new();

    internal enum Kind
    {
        Parameter,
        Buffer,
        Layer,
    }

    /// <summary>One parameter, buffer or sub-layer found under a layer, with the slot that holds it.</summary>
    internal readonly record struct Found(string Path, Kind Kind, object Value, Action<object>? Replace, Layer Owner);

    /// <summary>
    /// Everything reachable from <paramref name="root"/> — parameters, buffers and layers (root excluded), each once, in
    /// field order — plus the watches that tell later whether any slot read during this scan now holds something else.
    /// </summary>
    public static (List<Found> Found, Watch[] Watches) Scan(Layer root)
    {
        var result = new List<Found>();
        var watches = new List<Watch>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance) { root };
        CollectInto(root, string.Empty, result, watches, seen);
        return (result, [.. watches]);
    }

    private static void AddLayer(Layer owner, Layer layer, string path, Action<object>? replace, List<Found> result, List<Watch> watches, HashSet<object> seen)
    {
        if (seen.Add(layer))
        {
            result.Add(new Found(path, Kind.Layer, layer, replace, owner));
            CollectInto(layer, path + ".", result, watches, seen);
        }
    }

    private static void CollectInto(Layer layer, string prefix, List<Found> result, List<Watch> watches, HashSet<object> seen)
    {
        if (layer is IKeyedLayers container)
        {
            watches.Add(new KeyedLayersWatch(container));
            var keyed = container.KeyedLayers();
            for (int i = 0; i < keyed.Count; i++)
            {
                AddLayer(layer, keyed[i].Value, prefix + keyed[i].Key, container.Replacer(i), result, watches, seen);
            }
        }

        foreach (Member member in MembersOf(layer.GetType()))
        {
            object? value;
            if (member.Getter is { } getter)
            {
                value = getter(layer);
                watches.Add(new FieldWatch(layer, getter, value));
            }
            else
            {
                // A value-typed field (a tuple) is boxed anew on every read, so it cannot be compared by reference; such
                // fields only ever hold state discovery rejects, so reading them here, during a scan, is enough.
                value = member.Field.GetValue(layer);
            }

            Visit(layer, member, value, prefix + member.Name, v => member.Field.SetValue(layer, v), result, watches, seen);
        }
    }

    private static void Visit(Layer owner, Member member, object? value, string path, Action<object>? replace, List<Found> result, List<Watch> watches, HashSet<object> seen)
    {
        switch (value)
        {
            case null:
                return;
            case Tensor tensor:
                if (member.IsBuffer || tensor.RequiresGrad)
                {
                    if (seen.Add(tensor))
                    {
                        result.Add(new Found(path, member.IsBuffer ? Kind.Buffer : Kind.Parameter, tensor, replace, owner));
                    }
                }

                return;
            case Layer layer:
                AddLayer(owner, layer, path, replace, result, watches, seen);
                return;
            case IDictionary dictionary:
                var keys = new List<(string Text, object Key)>();
                foreach (object key in dictionary.Keys)
                {
                    keys.Add((Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, key));
                }

                // Sorted so the order (and so names, optimizer state and files) never depends on insertion history.
                keys.Sort((a, b) => string.CompareOrdinal(a.Text, b.Text));
                watches.Add(new DictionaryWatch(dictionary, [.. keys.Select(k => k.Key)]));
                foreach (var (text, key) in keys)
                {
                    Visit(owner, member, dictionary[key], path + "." + text, v => dictionary[key] = v, result, watches, seen);
                }

                return;
            case IList list:
                if (HoldsOnlyPlainValues(list.GetType()))
                {
                    return;
                }

                watches.Add(new ListWatch(list));
                for (int i = 0; i < list.Count; i++)
                {
                    int index = i;
                    Visit(owner, member, list[i], path + "." + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        list.IsReadOnly && list is not Array ? null : v => list[index] = v, result, watches, seen);
                }

                return;
            default:
                if (member.Inspect && HidesTrainableState(value, depth: 0))
                {
                    throw new InvalidOperationException(
                        $"Layer '{owner.GetType().Name}': field '{member.Name}' of type {TypeName(value.GetType())} holds tensors that require grad " +
                        "(or layers) inside a container that parameter discovery cannot enumerate, so they would silently never be trained or saved. " +
                        "Keep them in a field of type Tensor or Layer, or in a List, array or Dictionary of them (wrap helper objects in a Layer), " +
                        "or mark the field [NotTracked] if that is intended.");
                }

                return;
        }
    }

    /// <summary>Whether a list type's elements are numbers or strings, so it is not walked element by element.</summary>
    private static bool HoldsOnlyPlainValues(Type listType)
    {
        Type? element = listType.IsArray ? listType.GetElementType()
            : listType.IsGenericType && listType.GetGenericArguments() is [Type single] ? single : null;
        return element is not null && (element.IsPrimitive || element.IsEnum || element == typeof(string) || element == typeof(decimal));
    }

    private static bool HidesTrainableState(object value, int depth)
    {
        if (depth > 2)
        {
            return false;
        }

        switch (value)
        {
            case Tensor t:
                return t.RequiresGrad;
            case Layer:
                return true;
            case string:
                return false;
            case ITuple tuple:
                for (int i = 0; i < tuple.Length; i++)
                {
                    if (tuple[i] is { } item && HidesTrainableState(item, depth + 1))
                    {
                        return true;
                    }
                }

                return false;
            case IEnumerable items:
                foreach (object? item in items)
                {
                    if (item is not null && HidesTrainableState(item, depth + 1))
                    {
                        return true;
                    }
                }

                return false;
        }

        Type type = value.GetType();
        if (!NeedsInspection(type))
        {
            return false;
        }

        foreach (FieldInfo field in InstanceFields(type))
        {
            if (field.GetValue(value) is { } inner && HidesTrainableState(inner, depth + 1))
            {
                return true;
            }
        }

        return false;
    }

    private static Member[] MembersOf(Type type) => Cache.GetOrAdd(type, static t =>
    {
        var members = new List<Member>();
        foreach (FieldInfo field in InstanceFields(t))
        {
            // The library's own bases keep bookkeeping (names, modes, the compiled optimizer) that is not model state.
            if (field.DeclaringType == typeof(Layer) || field.DeclaringType == typeof(Model))
            {
                continue;
            }

            (string name, PropertyInfo? property) = MemberName(field);
            if (Has<NotTrackedAttribute>(field, property))
            {
                continue;
            }

            Type declared = field.FieldType;
            bool direct = declared == typeof(Tensor) || typeof(Layer).IsAssignableFrom(declared)
                || typeof(IDictionary).IsAssignableFrom(declared) || typeof(IList).IsAssignableFrom(declared);
            bool inspect = !direct && NeedsInspection(declared);
            if (direct || inspect || declared == typeof(object))
            {
                members.Add(new Member(name, field, Has<BufferAttribute>(field, property), inspect || declared == typeof(object),
                    declared.IsValueType ? null : CompileGetter(field)));
            }
        }

        return [.. members];
    });

    private static bool NeedsInspection(Type type)
    {
        if (type.IsPrimitive || type.IsEnum || type.IsPointer || type == typeof(string) || typeof(Delegate).IsAssignableFrom(type)
            || type == typeof(Shape) || type == typeof(DType) || type == typeof(Generator))
        {
            return false;
        }

        // The library's own helper types (activations, initializers, losses, optimizers) never own parameters.
        if (type.Assembly == typeof(Layer).Assembly && type != typeof(Tensor) && !typeof(Layer).IsAssignableFrom(type))
        {
            return false;
        }

        return !(type.IsValueType && type.Namespace is { } ns && ns.StartsWith("System", StringComparison.Ordinal) && !typeof(ITuple).IsAssignableFrom(type));
    }

    private static IEnumerable<FieldInfo> InstanceFields(Type type)
    {
        // Base-class fields first, so inherited parameters keep their order when a layer is subclassed.
        var chain = new Stack<Type>();
        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            chain.Push(t);
        }

        foreach (Type t in chain)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .OrderBy(f => f.MetadataToken))
            {
                yield return field;
            }
        }
    }

    private static (string Name, PropertyInfo? Property) MemberName(FieldInfo field)
    {
        string name = field.Name;
        PropertyInfo? property = null;
        if (name.StartsWith('<') && name.IndexOf(">k__BackingField", StringComparison.Ordinal) is int end and > 0)
        {
            name = name[1..end];
            property = field.DeclaringType!.GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
        }

        if (name.StartsWith("m_", StringComparison.Ordinal))
        {
            name = name[2..];
        }

        name = name.TrimStart('_');
        return (name.Length > 0 ? char.ToLowerInvariant(name[0]) + name[1..] : field.Name, property);
    }

    private static bool Has<TAttribute>(FieldInfo field, PropertyInfo? property)
        where TAttribute : Attribute =>
        field.IsDefined(typeof(TAttribute)) || (property?.IsDefined(typeof(TAttribute)) ?? false);

    private static string TypeName(Type type) =>
        type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>" : type.Name;

    /// <summary>
    /// <c>owner => (object)((TDeclaring)owner).field</c>, compiled once per field, so checking whether a cached structure
    /// is still current costs a delegate call per slot instead of a <see cref="FieldInfo.GetValue"/>.
    /// </summary>
    private static Func<object, object?> CompileGetter(FieldInfo field)
    {
        ParameterExpression owner = Expression.Parameter(typeof(object), "owner");
        Expression read = Expression.Field(Expression.Convert(owner, field.DeclaringType!), field);
        return Expression.Lambda<Func<object, object?>>(Expression.Convert(read, typeof(object)), owner).Compile();
    }

    /// <summary>Whether a slot still holds what it held during a scan: the same object and, for a tensor, the same
    /// <see cref="Tensor.RequiresGrad"/> (which decides whether it is a parameter at all).</summary>
    private static bool Same(object? current, object? expected, bool expectedRequiresGrad) =>
        ReferenceEquals(current, expected)
            ? current is not Tensor t || t.RequiresGrad == expectedRequiresGrad
            // A value type in a list of objects is boxed anew on every read; compare it by value, or it would never look current.
            : current is not null && current.GetType().IsValueType && current.Equals(expected);

    private static bool RequiresGrad(object? value) => value is Tensor { RequiresGrad: true };

    private sealed record Member(string Name, FieldInfo Field, bool IsBuffer, bool Inspect, Func<object, object?>? Getter);

    /// <summary>One slot read during a scan; <see cref="Changed"/> compares it with what the scan saw, allocation-free.</summary>
    internal abstract class Watch
    {
        /// <summary>True when the slot now holds something else than during the scan.</summary>
        public abstract bool Changed();
    }

    private sealed class FieldWatch(object owner, Func<object, object?> getter, object? expected) : Watch
    {
        private readonly bool requiresGrad = RequiresGrad(expected);

        public override bool Changed() => !Same(getter(owner), expected, requiresGrad);
    }

    private sealed class ListWatch : Watch
    {
        private readonly IList list;
        private readonly object?[] items;
        private readonly bool[] requiresGrad;

        public ListWatch(IList list)
        {
            this.list = list;
            items = new object?[list.Count];
            list.CopyTo(items, 0);
            requiresGrad = [.. items.Select(RequiresGrad)];
        }

        public override bool Changed()
        {
            if (list.Count != items.Length)
            {
                return true;
            }

            for (int i = 0; i < items.Length; i++)
            {
                if (!Same(list[i], items[i], requiresGrad[i]))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private sealed class DictionaryWatch : Watch
    {
        private readonly IDictionary dictionary;
        private readonly object[] keys;
        private readonly object?[] values;
        private readonly bool[] requiresGrad;

        public DictionaryWatch(IDictionary dictionary, object[] keys)
        {
            this.dictionary = dictionary;
            this.keys = keys;
            values = [.. keys.Select(k => dictionary[k])];
            requiresGrad = [.. values.Select(RequiresGrad)];
        }

        public override bool Changed()
        {
            if (dictionary.Count != keys.Length)
            {
                return true;
            }

            // Same count and every old key still maps to the same value means the same entries (keys are unique).
            for (int i = 0; i < keys.Length; i++)
            {
                if (!dictionary.Contains(keys[i]) || !Same(dictionary[keys[i]], values[i], requiresGrad[i]))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>A <see cref="Sequential"/>'s (or functional model's) layers and their explicit names, which decide its keys (<c>dense_1</c>).</summary>
    private sealed class KeyedLayersWatch : Watch
    {
        private readonly IKeyedLayers container;
        private readonly Layer[] layers;
        private readonly string?[] names;

        public KeyedLayersWatch(IKeyedLayers container)
        {
            this.container = container;
            layers = [.. container.Layers];
            names = [.. layers.Select(l => l.ExplicitName)];
        }

        public override bool Changed()
        {
            var current = container.Layers;
            if (current.Count != layers.Length)
            {
                return true;
            }

            for (int i = 0; i < layers.Length; i++)
            {
                if (!ReferenceEquals(current[i], layers[i]) || !ReferenceEquals(current[i].ExplicitName, names[i]))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
