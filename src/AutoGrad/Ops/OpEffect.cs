namespace AutoGrad.Ops;

/// <summary>
/// What running an op does besides computing its output from its inputs. Graph passes and executors read this
/// instead of op names: only <see cref="Pure"/> ops may be merged, folded or dropped when unused.
/// </summary>
public enum OpEffect
{
    /// <summary>The output is a function of the inputs and nothing else changes: safe to merge, fold, reorder or drop.</summary>
    Pure,

    /// <summary>
    /// Each application draws new values (a dropout mask, noise): never merged with another application and never
    /// evaluated ahead of time, but dropped when nothing reads it. Tracing records it without drawing, so a trace does
    /// not advance the generator.
    /// </summary>
    Random,

    /// <summary>
    /// Writes into some of its inputs in place (see <see cref="Op.WrittenInputs"/>): optimizer updates, state assignment,
    /// running statistics. Never merged, folded, dropped or moved past a read of what it writes; tracing records it
    /// without running it, so tracing a training step changes nothing.
    /// </summary>
    WritesState,
}
