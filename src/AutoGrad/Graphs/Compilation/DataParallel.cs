namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// Whether a compiled training step splits each batch in two halves that run forward and backward on separate cores
/// (see <see cref="CompiledTrainingStep"/>). The choice never depends on the thread count or the machine, so a seed gives
/// the same numbers everywhere: with one thread the halves simply run one after the other.
/// </summary>
public enum DataParallel
{
    /// <summary>
    /// Split when the step's loss is proved splittable (a sum or mean over the examples of per-example terms, no random
    /// or state-writing op) and the step's work, <see cref="CompiledTrainingStep.FlopsPerExample"/> × batch size, is at
    /// least <see cref="CompiledTrainingStep.SplitThresholdFlops"/> and at least
    /// <see cref="CompiledTrainingStep.SplitFlopsPerParameter"/> per trained weight.
    /// </summary>
    Auto,

    /// <summary>Never split: the whole step runs as one compiled graph.</summary>
    Off,

    /// <summary>Split every batch of two or more examples; creating the step throws when its loss cannot be split.</summary>
    On,
}
