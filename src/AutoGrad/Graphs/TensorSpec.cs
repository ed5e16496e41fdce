using System.Collections.Immutable;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs;

/// <summary>
/// The type of a graph value: a shape whose axes may be multiples of the symbolic batch size <c>B</c>, and a dtype.
/// Graph inputs are declared with it (<c>TensorSpec.Batched(784)</c> is <c>f32[B,784]</c>) and every node carries one.
/// Printed like a jaxpr type: <c>f32[B,128]</c>.
/// </summary>
public sealed class TensorSpec : IEquatable<TensorSpec>
{
    /// <summary>Creates a spec from its axes, e.g. <c>new TensorSpec([Dim.B, 784])</c>.</summary>
    public TensorSpec(IReadOnlyList<Dim> dims, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(dims);
        Dims = [.. dims];
        DType = dtype;
        HasNamed = Dims.Any(d => d.IsSymbolic && !d.IsBatchMultiple);
    }

    /// <summary>Whether an axis uses a named dimension (anything symbolic besides multiples of B).</summary>
    internal bool HasNamed { get; }

    /// <summary>The axes.</summary>
    public ImmutableArray<Dim> Dims { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The number of axes.</summary>
    public int Rank => Dims.Length;

    /// <summary>Whether any axis depends on the batch size.</summary>
    public bool IsSymbolic => Dims.Any(d => d.IsSymbolic);

    /// <summary>A batch of examples of the given per-example shape: <c>[B, featureDims...]</c>.</summary>
    public static TensorSpec Batched(params int[] featureDims) => Batched(DType.Float32, featureDims);

    /// <summary>A batch of examples of the given per-example shape and dtype: <c>[B, featureDims...]</c>.</summary>
    public static TensorSpec Batched(DType dtype, params int[] featureDims) =>
        new([Dim.B, .. featureDims.Select(Dim.Fixed)], dtype);

    /// <summary>A spec without a batch axis.</summary>
    public static TensorSpec Fixed(Shape shape, DType dtype = DType.Float32) => new([.. shape.ToArray().Select(Dim.Fixed)], dtype);

    /// <summary>The fixed spec of a tensor's type.</summary>
    public static TensorSpec Of(TensorType type) => Fixed(type.Shape, type.DType);

    /// <summary>The concrete type at the given sizes (an <c>int</c> is a batch size).</summary>
    /// <exception cref="InvalidOperationException">The spec has a named dimension the sizes do not bind.</exception>
    public TensorType Resolve(DimBindings sizes)
    {
        var dims = new int[Dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = Dims[i].Resolve(sizes);
        }

        return new TensorType(Shape.FromOwned(dims), DType);
    }

    /// <summary>Whether there are as many tensors as specs and each matches its spec with a batch size (see <see cref="MatchBatch"/>).</summary>
    internal static bool MatchBatched(ReadOnlySpan<TensorSpec> specs, ReadOnlySpan<Tensor> tensors)
    {
        if (specs.Length != tensors.Length)
        {
            return false;
        }

        for (int i = 0; i < specs.Length; i++)
        {
            if (specs[i].MatchBatch(tensors[i].Type) <= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The batch size at which <paramref name="type"/> matches this spec, 0 when the spec has no batch axis, or −1 when it
    /// does not match (wrong dtype, rank, a fixed extent or a batch extent that is not a multiple of its factor).
    /// </summary>
    [ForwardsExtents]
    public int MatchBatch(TensorType type)
    {
        if (HasNamed)
        {
            var sizes = new Dictionary<string, int>();
            return !Match(type, sizes) ? -1 : sizes.TryGetValue(Dim.BatchName, out int named) ? named : 0;
        }

        // Multiples of B alone: no dictionary, as compiled steps match every call's inputs.
        if (type.DType != DType || type.Shape.Rank != Rank)
        {
            return -1;
        }

        int batch = 0;
        for (int i = 0; i < Rank; i++)
        {
            Dim d = Dims[i];
            int extent = type.Shape[i];
            if (!d.IsSymbolic)
            {
                if (extent != d.Value)
                {
                    return -1;
                }
            }
            else if (extent == 0 || extent % d.Value != 0 || (batch != 0 && extent / d.Value != batch))
            {
                return -1;
            }
            else
            {
                batch = extent / d.Value;
            }
        }

        return batch;
    }

    /// <summary>
    /// Whether <paramref name="type"/> matches this spec with the symbolic sizes in <paramref name="sizes"/>: a symbol
    /// already there must give the same extent, a new one is added (from an axis that is a positive multiple of it).
    /// </summary>
    [ForwardsExtents]
    internal bool Match(TensorType type, Dictionary<string, int> sizes)
    {
        if (type.DType != DType || type.Shape.Rank != Rank)
        {
            return false;
        }

        // Axes with one symbol bind it; then every axis (products such as B*T too) must agree with the bound sizes.
        for (int i = 0; i < Rank; i++)
        {
            Dim d = Dims[i];
            int extent = type.Shape[i];
            if (d.Symbols is [string symbol] && !sizes.ContainsKey(symbol))
            {
                if (extent == 0 || extent % d.Value != 0)
                {
                    return false;
                }

                sizes[symbol] = extent / d.Value;
            }
        }

        for (int i = 0; i < Rank; i++)
        {
            Dim d = Dims[i];
            long expected = d.Value;
            foreach (string symbol in d.Symbols)
            {
                if (!sizes.TryGetValue(symbol, out int size))
                {
                    return false;
                }

                expected *= size;
            }

            if (type.Shape[i] != expected)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The number of elements at the given sizes (an <c>int</c> is a batch size).</summary>
    public long Size(DimBindings sizes)
    {
        long size = 1;
        foreach (Dim d in Dims)
        {
            size *= d.Resolve(sizes);
        }

        return size;
    }

    /// <inheritdoc/>
    public bool Equals(TensorSpec? other) => other is not null && DType == other.DType && Dims.SequenceEqual(other.Dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TensorSpec);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(DType);
        foreach (Dim d in Dims)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    /// <summary><c>f32[B,128]</c>.</summary>
    public override string ToString() => $"{DType.ShortName()}[{string.Join(",", Dims)}]";

    /// <summary>NumPy-style tuple of the axes, e.g. <c>(B, 784)</c>; used for shape attributes.</summary>
    internal static string FormatShape(IReadOnlyList<Dim> dims) => dims.Count switch
    {
        0 => "()",
        1 => $"({dims[0]},)",
        _ => "(" + string.Join(", ", dims) + ")",
    };

    /// <summary>The NumPy broadcast of two specs, or null when they do not broadcast symbolically.</summary>
    internal static ImmutableArray<Dim>? Broadcast(ImmutableArray<Dim> a, ImmutableArray<Dim> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            Dim da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            Dim db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da == db || db == (Dim)1)
            {
                result[i] = da;
            }
            else if (da == (Dim)1)
            {
                result[i] = db;
            }
            else
            {
                return null;
            }
        }

        return [.. result];
    }
}
