using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>Access to tensor internals needed by optimizers, which write parameter buffers directly.</summary>
internal static class TensorInternals
{
    /// <summary>Bumps the version counter after a direct write, like the public in-place methods do.</summary>
    public static void MarkModified(this Tensor tensor) => tensor.storage.Version++;
}
