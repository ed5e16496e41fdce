using System.Numerics;

namespace AutoGrad.Kernels;

/// <summary>Which elementwise comparison to compute.</summary>
internal enum Comparison
{
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
    Equal,
    NotEqual,
}

/// <summary>
/// Elementwise comparisons written as 0/1 masks in the operands' own element type, so a mask multiplies a gradient
/// directly. TensorPrimitives has no comparison-to-span routine, so this is one vectorized driver (Vector&lt;T&gt; with a
/// scalar tail) plugged with a tiny operator struct per comparison. NaN compares false, except under NotEqual (IEEE).
/// </summary>
internal static class Compare
{
    /// <summary>destination[i] = x[i] ⋈ y[i] ? 1 : 0, where a length-1 operand is repeated (broadcast scalar).</summary>
    public static void Run<T>(Comparison kind, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (kind)
        {
            case Comparison.Greater:
                Drive<GreaterOperator, T>(x, y, destination);
                break;
            case Comparison.GreaterEqual:
                Drive<GreaterEqualOperator, T>(x, y, destination);
                break;
            case Comparison.Less:
                Drive<GreaterOperator, T>(y, x, destination);
                break;
            case Comparison.LessEqual:
                Drive<GreaterEqualOperator, T>(y, x, destination);
                break;
            case Comparison.Equal:
                Drive<EqualOperator, T>(x, y, destination);
                break;
            default:
                Drive<NotEqualOperator, T>(x, y, destination);
                break;
        }
    }

    /// <summary>
    /// destination[i] = x[i] ⋈ y[i] as bool, for any numeric element type; an operand of length 1 stands for every
    /// element (IEEE semantics: NaN compares false except for "not equal").
    /// </summary>
    public static void ToBool<T>(Comparison kind, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> destination)
        where T : unmanaged, INumber<T>
    {
        bool xScalar = x.Length == 1, yScalar = y.Length == 1;
        for (int i = 0; i < destination.Length; i++)
        {
            T a = x[xScalar ? 0 : i], b = y[yScalar ? 0 : i];
            destination[i] = kind switch
            {
                Comparison.Greater => a > b,
                Comparison.GreaterEqual => a >= b,
                Comparison.Less => a < b,
                Comparison.LessEqual => a <= b,
                Comparison.Equal => a == b,
                _ => a != b,
            };
        }
    }

    private static void Drive<TOperator, T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where TOperator : IComparisonOperator
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        bool xScalar = x.Length == 1 && destination.Length != 1;
        bool yScalar = y.Length == 1 && destination.Length != 1;
        int i = 0;
        int width = Vector<T>.Count;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && destination.Length >= width)
        {
            Vector<T> one = Vector<T>.One;
            Vector<T> xRepeated = xScalar ? new Vector<T>(x[0]) : default;
            Vector<T> yRepeated = yScalar ? new Vector<T>(y[0]) : default;
            for (; i <= destination.Length - width; i += width)
            {
                Vector<T> a = xScalar ? xRepeated : new Vector<T>(x.Slice(i, width));
                Vector<T> b = yScalar ? yRepeated : new Vector<T>(y.Slice(i, width));
                Vector.ConditionalSelect(TOperator.Invoke(a, b), one, Vector<T>.Zero).CopyTo(destination.Slice(i, width));
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = TOperator.Invoke(xScalar ? x[0] : x[i], yScalar ? y[0] : y[i]) ? T.One : T.Zero;
        }
    }

    private interface IComparisonOperator
    {
        static abstract bool Invoke<T>(T x, T y)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>;

        /// <summary>All bits set where the comparison holds.</summary>
        static abstract Vector<T> Invoke<T>(Vector<T> x, Vector<T> y)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>;
    }

    private readonly struct GreaterOperator : IComparisonOperator
    {
        public static bool Invoke<T>(T x, T y)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => x > y;

        public static Vector<T> Invoke<T>(Vector<T> x, Vector<T> y)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => Vector.GreaterThan(x, y);
    }

    private readonly struct GreaterEqualOperator : IComparisonOperator
    {
        public static bool Invoke<T>(T x, T y)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => x >= y;

        public static Vector<T> Invoke<T>(Vector<T> x, Vector<T> y)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => Vector.GreaterThanOrEqual(x, y);
    }

    private readonly struct EqualOperator : IComparisonOperator
    {
        public static bool Invoke<T>(T x, T y)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => x == y;

        public static Vector<T> Invoke<T>(Vector<T> x, Vector<T> y)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => Vector.Equals(x, y);
    }

    private readonly struct NotEqualOperator : IComparisonOperator
    {
        public static bool Invoke<T>(T x, T y)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => x != y;

        public static Vector<T> Invoke<T>(Vector<T> x, Vector<T> y)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => ~Vector.Equals(x, y);
    }
}
