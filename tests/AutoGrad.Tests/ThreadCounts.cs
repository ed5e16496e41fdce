namespace AutoGrad.Tests;

/// <summary>The set-up behind every "one and two threads give the same bits" test.</summary>
internal static class ThreadCounts
{
    /// <summary>
    /// <paramref name="run"/>'s result with <see cref="Settings.NumThreads"/> at 1, then at 2; the setting is restored
    /// afterwards, whatever happens.
    /// </summary>
    public static (T One, T Two) OneAndTwo<T>(Func<T> run)
    {
        int before = Settings.NumThreads;
        try
        {
            Settings.NumThreads = 1;
            T one = run();
            Settings.NumThreads = 2;
            return (one, run());
        }
        finally
        {
            Settings.NumThreads = before;
        }
    }
}
