namespace AutoGrad.NN.Training;

/// <summary>How much <c>Fit</c> prints.</summary>
public enum Verbosity
{
    /// <summary>A live progress bar on a terminal, one line per epoch when output is redirected.</summary>
    Auto = -1,

    /// <summary>Nothing.</summary>
    Silent = 0,

    /// <summary>A live progress bar (with loss, metrics and ETA), redrawn in place.</summary>
    ProgressBar = 1,

    /// <summary>One plain line per epoch.</summary>
    EpochLine = 2,
}
