namespace AutoGrad.Tensors;

/// <summary>
/// The element buffer behind one or more tensors (a tensor and its <see cref="Tensor.Detach"/> share one), with the
/// version counter that in-place writes bump so that a value saved for a gradient and then overwritten is detected.
/// </summary>
/// <remarks>
/// The elements are <see cref="Length"/> items of <see cref="Data"/> from <see cref="Offset"/> on. Eager tensors own
/// their whole array (offset 0); a compiled graph's planned values are slices of one arena array per dtype, so every
/// access goes through the offset, never through the array alone.
/// </remarks>
internal sealed class TensorStorage
{
    public TensorStorage(Array data)
        : this(data, 0, data.Length)
    {
    }

    public TensorStorage(Array data, int offset, int length)
    {
        // Checked once here so that reading the elements (Tensor.AsSpan) need not check the range again.
        if ((uint)offset > (uint)data.Length || (uint)length > (uint)(data.Length - offset))
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"{length} elements from offset {offset} do not fit an array of {data.Length}.");
        }

        Data = data;
        Offset = offset;
        Length = length;
    }

    /// <summary>A <c>float[]</c> or a <c>double[]</c>, possibly larger than the tensor (see <see cref="Offset"/>).</summary>
    public readonly Array Data;

    /// <summary>The index in <see cref="Data"/> of the first element.</summary>
    public readonly int Offset;

    /// <summary>The number of elements, from <see cref="Offset"/> on.</summary>
    public readonly int Length;

    /// <summary>Incremented by every in-place write.</summary>
    public int Version;

    /// <summary>
    /// True for the values of a trace: ops record, their kernels do not run, so the storage holds no meaningful data and
    /// reading it is an error (shared with every <c>Detach()</c>ed view).
    /// </summary>
    public bool IsAbstract;
}
