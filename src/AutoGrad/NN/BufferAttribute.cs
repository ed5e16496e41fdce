namespace AutoGrad.NN;

/// <summary>
/// Marks a tensor field or property of a <see cref="Layer"/> as a buffer: state that is saved with the weights and
/// converted by <see cref="Layer.To"/>, but not trained (e.g. batch-norm running statistics).
/// </summary>
/// <remarks>Tensor fields that require grad are parameters without any attribute; tensor fields that neither require
/// grad nor carry this attribute are constants that are not saved.</remarks>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class BufferAttribute : Attribute
{
}

/// <summary>Excludes a field or property of a <see cref="Layer"/> from parameter discovery (e.g. a reference to a layer owned elsewhere).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class NotTrackedAttribute : Attribute
{
}
