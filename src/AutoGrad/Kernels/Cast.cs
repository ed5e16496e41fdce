using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using AutoGrad.Tensors;
using Tensor = AutoGrad.Tensors.Tensor;

namespace AutoGrad.Kernels;

/// <summary>
/// Conversions between element arrays of any two dtypes, and the 64-bit integer view that integer and boolean kernels
/// compute in (widen to <c>long</c>, compute, narrow back), so no op needs its own copy per integer type.
/// </summary>
/// <remarks>
/// Floating point to integer truncates toward zero (NaN becomes 0, out-of-range values saturate); anything to bool is
/// "not zero"; bool to a number is 0 or 1; integer to a narrower integer wraps (as C# and PyTorch casts do).
/// </remarks>
internal static class Cast
{
    /// <summary>Converts every element of <paramref name="source"/> into <paramref name="destination"/> (same length, any dtypes).</summary>
    public static void Convert(Array source, Array destination)
    {
        switch (source)
        {
            case float[] f: To<float>(f, destination); break;
            case double[] d: To<double>(d, destination); break;
            case long[] l: To<long>(l, destination); break;
            case int[] i: To<int>(i, destination); break;
            case byte[] b: To<byte>(b, destination); break;
            case bool[] flags: To<byte>(MemoryMarshal.Cast<bool, byte>(flags), destination); break;
            default: throw new NotSupportedException($"Cannot convert from {source.GetType().Name}.");
        }
    }

    /// <summary>Converts every element of <paramref name="source"/> into <paramref name="destination"/> (same size, any dtypes), reading and writing only the tensors' own elements.</summary>
    public static void Convert(Tensor source, Tensor destination)
    {
        switch (source.DType)
        {
            case DType.Float32: To<float>(source.AsSpan<float>(), destination); break;
            case DType.Float64: To<double>(source.AsSpan<double>(), destination); break;
            case DType.Int64: To<long>(source.AsSpan<long>(), destination); break;
            case DType.Int32: To<int>(source.AsSpan<int>(), destination); break;
            case DType.UInt8: To<byte>(source.AsSpan<byte>(), destination); break;
            default: To<byte>(MemoryMarshal.Cast<bool, byte>(source.AsSpan<bool>()), destination); break;
        }
    }

    /// <summary>Writes 64-bit integer results into <paramref name="destination"/>, narrowing to its dtype.</summary>
    public static void Convert(ReadOnlySpan<long> source, Tensor destination) => To(source, destination);

    /// <summary>The values as 64-bit integers, in an array of their own (integer kernels compute in 64 bits and narrow back).</summary>
    public static long[] ToInt64(Tensor source)
    {
        if (source.DType == DType.Int64)
        {
            return source.AsSpan<long>().ToArray();
        }

        var result = new long[source.Size];
        Convert(source.ReadElements(), result);
        return result;
    }

    private static void To<TFrom>(ReadOnlySpan<TFrom> x, Tensor destination)
        where TFrom : unmanaged, INumberBase<TFrom>
    {
        switch (destination.DType)
        {
            case DType.Float32: TensorPrimitives.ConvertTruncating(x, destination.AsSpan<float>()); break;
            case DType.Float64: TensorPrimitives.ConvertTruncating(x, destination.AsSpan<double>()); break;
            case DType.Int64: Truncate(x, destination.AsSpan<long>()); break;
            case DType.Int32: Truncate(x, destination.AsSpan<int>()); break;
            case DType.UInt8: Truncate(x, destination.AsSpan<byte>()); break;
            default:
                Span<bool> flags = destination.AsSpan<bool>();
                for (int k = 0; k < x.Length; k++)
                {
                    flags[k] = x[k] != TFrom.Zero;
                }

                break;
        }
    }

    private static void To<TFrom>(ReadOnlySpan<TFrom> x, Array destination)
        where TFrom : unmanaged, INumberBase<TFrom>
    {
        switch (destination)
        {
            case float[] f: TensorPrimitives.ConvertTruncating(x, f.AsSpan()); break;
            case double[] d: TensorPrimitives.ConvertTruncating(x, d.AsSpan()); break;
            case long[] l: Truncate(x, l); break;
            case int[] i: Truncate(x, i); break;
            case byte[] b: Truncate(x, b); break;
            case bool[] flags:
                for (int k = 0; k < x.Length; k++)
                {
                    flags[k] = x[k] != TFrom.Zero;
                }

                break;
            default: throw new NotSupportedException($"Cannot convert to {destination.GetType().Name}.");
        }
    }

    // Integer targets go through long so that narrowing wraps (CreateTruncating from a wider integer) and floating point
    // truncates toward zero; a per-element loop: integer casts are not on any hot path.
    private static void Truncate<TFrom, TTo>(ReadOnlySpan<TFrom> x, Span<TTo> destination)
        where TFrom : unmanaged, INumberBase<TFrom>
        where TTo : unmanaged, IBinaryInteger<TTo>
    {
        for (int k = 0; k < x.Length; k++)
        {
            TFrom v = x[k];
            long wide = TFrom.IsNaN(v) ? 0 : long.CreateSaturating(v);
            destination[k] = TTo.CreateTruncating(wide);
        }
    }
}
