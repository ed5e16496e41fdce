using System.Numerics;
using System.Runtime.InteropServices;

namespace AutoGrad.Kernels;

/// <summary>
/// Flush-to-zero for values below the smallest normal number. Arithmetic on subnormal floats takes a slow microcode
/// assist on x86, and .NET cannot set the processor's flush-to-zero mode, so the optimizer kernels flush explicitly.
/// </summary>
internal static class Subnormals
{
    /// <summary>The smallest positive normal value of <typeparamref name="T"/> (float: 2⁻¹²⁶, double: 2⁻¹⁰²²).</summary>
    public static T SmallestNormal<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? T.CreateTruncating(BitConverter.Int32BitsToSingle(0x0080_0000))
            : T.CreateTruncating(BitConverter.Int64BitsToDouble(0x0010_0000_0000_0000));

    /// <summary>x, or 0 where |x| is below <paramref name="smallestNormal"/>.</summary>
    public static Vector<T> Flush<T>(Vector<T> x, Vector<T> smallestNormal)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(x), smallestNormal), Vector<T>.Zero, x);

    /// <summary>x, or 0 when it is subnormal.</summary>
    public static T Flush<T>(T x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        T.IsSubnormal(x) ? T.Zero : x;

    /// <summary>destination[i] = x[i], or 0 where x[i] is subnormal.</summary>
    public static void Flush<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (destination.Length < x.Length)
        {
            throw new ArgumentException($"Subnormals.Flush: destination of length {destination.Length} is shorter than the input ({x.Length}).");
        }

        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && x.Length >= Vector<T>.Count)
        {
            ref T rx = ref MemoryMarshal.GetReference(x);
            ref T rd = ref MemoryMarshal.GetReference(destination);
            var tiny = new Vector<T>(SmallestNormal<T>());
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Flush(Vector.LoadUnsafe(ref rx, (nuint)i), tiny).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            destination[i] = Flush(x[i]);
        }
    }
}
