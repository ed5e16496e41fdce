using System.Globalization;

namespace AutoGrad;

/// <summary>Process-wide settings that tune how AutoGrad runs its kernels.</summary>
public static class Settings
{
    /// <summary>The environment variable read once, at first use, for the default of <see cref="NumThreads"/>.</summary>
    public const string NumThreadsEnvironmentVariable = "AUTOGRAD_NUM_THREADS";

    private static int s_numThreads = ParseThreadCount(
        Environment.GetEnvironmentVariable(NumThreadsEnvironmentVariable), Environment.ProcessorCount);

    /// <summary>
    /// The most threads a single kernel call (for example a matrix multiply) may use, counting the calling thread.
    /// </summary>
    /// <remarks>
    /// The default is the value of the <c>AUTOGRAD_NUM_THREADS</c> environment variable when it holds a positive
    /// integer, else <see cref="Environment.ProcessorCount"/>. Kernels use fewer threads for small work, and a kernel
    /// called from inside another kernel's parallel region runs on its caller's thread only, so the total never
    /// exceeds this number. A change applies to kernel calls that start after it.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value set is less than 1.</exception>
    public static int NumThreads
    {
        get => Volatile.Read(ref s_numThreads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref s_numThreads, value);
        }
    }

    /// <summary>
    /// Reads a thread count as the environment variable gives it: a positive decimal integer (surrounding blanks
    /// allowed) is taken; anything else, including a missing value, gives <paramref name="fallback"/>.
    /// </summary>
    internal static int ParseThreadCount(string? value, int fallback) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) && parsed >= 1
            ? parsed
            : fallback;
}
