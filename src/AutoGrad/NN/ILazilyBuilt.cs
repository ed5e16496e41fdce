namespace AutoGrad.NN;

/// <summary>
/// A built-in layer that creates its parameters on its first call (Keras style). Until then it holds nothing to save,
/// so <see cref="Layer.Save"/> refuses a model with such a layer rather than write a checkpoint missing its weights.
/// </summary>
internal interface ILazilyBuilt
{
    /// <summary>Whether the parameters exist yet.</summary>
    bool IsBuilt { get; }
}
