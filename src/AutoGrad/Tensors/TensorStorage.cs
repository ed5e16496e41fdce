namespace AutoGrad.Tensors;

/// <summary>
/// The element buffer behind one or more tensors (a tensor and its <see cref="Tensor.Detach"/> share one), with the
/// version counter that in-place writes bump so that a value saved for a gradient and then overwritten is detected.
/// </summary>
internal sealed class TensorStorage
{
    public TensorStorage(Array data) => Data = data;

    /// <summary>A <c>float[]</c> or a <c>double[]</c>.</summary>
    public readonly Array Data;

    /// <summary>Incremented by every in-place write.</summary>
    public int Version;

    /// <summary>
    /// True for the values of a trace: ops record, their kernels do not run, so the storage holds no meaningful data and
    /// reading it is an error (shared with every <c>Detach()</c>ed view).
    /// </summary>
    public bool IsAbstract;
}
