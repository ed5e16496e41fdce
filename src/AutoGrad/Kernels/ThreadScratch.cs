namespace AutoGrad.Kernels;

/// <summary>
/// Per-thread scratch arrays that grow on demand and are kept, so kernels that run in every compiled step allocate
/// nothing once warm. The caller owns the [ThreadStatic] field; contents are unspecified on return.
/// </summary>
internal static class ThreadScratch
{
    /// <summary><paramref name="buffer"/>, replaced by a new array first when it is missing or shorter than <paramref name="length"/>.</summary>
    public static T[] Grow<T>(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer = new T[length];
        }

        return buffer;
    }
}
