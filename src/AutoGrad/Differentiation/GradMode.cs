namespace AutoGrad.Differentiation;

/// <summary>Per-thread switch that decides whether operations are recorded on the tape.</summary>
public static class GradMode
{
    // Thread-static fields start false on every thread, so the field stores "disabled" to make recording the default.
    [ThreadStatic]
    private static bool disabled;

    /// <summary>Whether operations on this thread are recorded for gradients.</summary>
    public static bool IsEnabled
    {
        get => !disabled;
        internal set => disabled = !value;
    }

    /// <summary>Sets the mode until the returned scope is disposed, then restores the previous mode.</summary>
    public static GradModeScope Set(bool enabled) => new(enabled);
}

/// <summary>Restores the previous grad mode when disposed (use with <c>using</c>).</summary>
public sealed class GradModeScope : IDisposable
{
    private readonly bool previous;
    private bool disposed;

    internal GradModeScope(bool enabled)
    {
        previous = GradMode.IsEnabled;
        GradMode.IsEnabled = enabled;
    }

    /// <summary>Restores the grad mode that was active when the scope was created.</summary>
    public void Dispose()
    {
        if (!disposed)
        {
            GradMode.IsEnabled = previous;
            disposed = true;
        }
    }
}
