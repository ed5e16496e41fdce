// Shape methods that are compositions of primitives (reshape, slice, concat) and so need no gradient rule.
namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>Removes size-1 axes: the given one, or every one when <paramref name="axis"/> is null (a reshape).</summary>
    /// <exception cref="ArgumentException">The given axis does not have size 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The axis is out of range; the message names it and the rank.</exception>
    public Tensor Squeeze(int? axis = null)
    {
        if (axis is { } given)
        {
            int a = ShapeChecks.Axis("squeeze", given, Rank);
            if (Shape[a] != 1)
            {
                throw new ArgumentException($"squeeze: axis {given} of shape {Shape} has size {Shape[a]}; only size-1 axes can be removed.");
            }

            int[] dims = Shape.ToArray();
            return Reshape(Shape.FromOwned([.. dims[..a], .. dims[(a + 1)..]]));
        }

        var kept = new List<int>(Rank);
        foreach (int d in Shape)
        {
            if (d != 1)
            {
                kept.Add(d);
            }
        }

        return Reshape(Shape.FromOwned(kept.ToArray()));
    }

    /// <summary>Inserts a size-1 axis so that it becomes axis <paramref name="axis"/> of the result (a reshape); −1 appends.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [−rank−1, rank]; the message names it and the rank.</exception>
    public Tensor Unsqueeze(int axis)
    {
        int a = ShapeChecks.Axis("unsqueeze", axis, Rank + 1);
        int[] dims = Shape.ToArray();
        return Reshape(Shape.FromOwned([.. dims[..a], 1, .. dims[a..]]));
    }

    /// <summary>Merges axes <paramref name="startAxis"/>..end into one (a reshape); the default keeps the batch axis, as Keras' Flatten.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The start axis is out of range; the message names it and the rank.</exception>
    public Tensor Flatten(int startAxis = 1)
    {
        if (Rank == 0)
        {
            return Reshape(1);
        }

        int a = ShapeChecks.Axis("flatten", startAxis, Rank);
        int[] dims = Shape.ToArray();
        int merged = 1;
        for (int i = a; i < dims.Length; i++)
        {
            merged *= dims[i];
        }

        return Reshape(Shape.FromOwned([.. dims[..a], merged]));
    }

    /// <summary>Joins equally shaped tensors along a new axis (each is unsqueezed, then concatenated).</summary>
    /// <exception cref="ArgumentException">The list is empty or the shapes differ; the message names both shapes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [−rank−1, rank].</exception>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0)
        {
            throw new ArgumentException("stack: needs at least one tensor.", nameof(tensors));
        }

        Shape first = tensors[0].Shape;
        int a = ShapeChecks.Axis("stack", axis, first.Rank + 1);
        var expanded = new Tensor[tensors.Count];
        for (int i = 0; i < expanded.Length; i++)
        {
            if (tensors[i].Shape != first)
            {
                throw new ArgumentException($"stack: tensor {i} has shape {tensors[i].Shape} but tensor 0 has shape {first}; stacked tensors must have equal shapes.", nameof(tensors));
            }

            expanded[i] = tensors[i].Unsqueeze(a);
        }

        return Concat(expanded, a);
    }

    /// <summary>Cuts the tensor along <paramref name="axis"/> into consecutive pieces of the given sizes (slices).</summary>
    /// <exception cref="ArgumentException">The sizes are negative or do not add up to the axis size.</exception>
    public Tensor[] Split(int[] sizes, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        int a = ShapeChecks.Axis("split", axis, Rank);
        if (sizes.Any(s => s < 0) || sizes.Sum() != Shape[a])
        {
            throw new ArgumentException($"split: sizes ({string.Join(", ", sizes)}) must be non-negative and add up to {Shape[a]}, the size of axis {axis} of shape {Shape}.", nameof(sizes));
        }

        var pieces = new Tensor[sizes.Length];
        for (int i = 0, offset = 0; i < sizes.Length; offset += sizes[i], i++)
        {
            pieces[i] = Slice(a, offset, offset + sizes[i]);
        }

        return pieces;
    }

    /// <summary>Cuts the tensor along <paramref name="axis"/> into <paramref name="sections"/> equal pieces (NumPy's <c>split</c> with an integer).</summary>
    /// <exception cref="ArgumentException">The sections are not positive or do not divide the axis size.</exception>
    public Tensor[] Split(int sections, int axis = 0)
    {
        int a = ShapeChecks.Axis("split", axis, Rank);
        if (sections <= 0 || Shape[a] % sections != 0)
        {
            throw new ArgumentException($"split: axis {axis} of shape {Shape} has size {Shape[a]}, which {(sections <= 0 ? "cannot be split into" : "does not divide evenly into")} {sections} sections.", nameof(sections));
        }

        return Split(Enumerable.Repeat(Shape[a] / sections, sections).ToArray(), a);
    }
}
