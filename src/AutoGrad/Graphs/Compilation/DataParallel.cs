namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// Whether a compiled training step splits each batch into row blocks that run forward and backward on both cores, while
/// each block's rows are in cache (see <see cref="CompiledTrainingStep"/> and <see cref="CompiledTrainingStep.RowBlocks"/>).
/// The choice never depends on the thread count or the machine, so a seed gives the same numbers everywhere: with one
/// thread the blocks simply run one after the other, in the same order.
/// </summary>
public enum DataParallel
{
    /// <summary>
    /// Split when the step's loss is proved splittable (a sum or mean over the examples of per-example terms, no random
    /// or state-writing op) and the step's work, <see cref="CompiledTrainingStep.FlopsPerExample"/> × batch size, is at
    /// least <see cref="CompiledTrainingStep.SplitThresholdFlops"/> and at least
    /// <see cref="CompiledTrainingStep.SplitFlopsPerParameter"/> per trained weight: in two blocks, or in more when the
    /// batch's input rows exceed <see cref="CompiledTrainingStep.RowBlockBytes"/> per block and the work allows.
    /// </summary>
    Auto,

    /// <summary>Never split: the whole step runs as one compiled graph.</summary>
    Off,

    /// <summary>Split every batch of two or more examples (in at least two blocks); creating the step throws when its loss
    /// cannot be split.</summary>
    On,
}
