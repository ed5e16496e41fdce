using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

/// <summary>
/// A unary elementwise function given per element and per <see cref="Vector{T}"/> (an operator struct in the style of
/// System.Numerics.Tensors), so a loop generic over the struct gets it inlined. Both forms must give the same result for
/// the same element; where the vector form is an approximation (exp, log, …) it must match the op's own span kernel's.
/// </summary>
internal interface IUnaryLane<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>f(x) for one element.</summary>
    T Invoke(T x);

    /// <summary>f(x) for each lane.</summary>
    Vector<T> Invoke(Vector<T> x);
}

/// <summary>
/// A unary lane that also has a span form (a TensorPrimitives routine), which its loop uses for whole blocks:
/// TensorPrimitives runs at the widest vector the machine has (<c>Vector512</c> where accelerated, while
/// <see cref="Vector{T}"/> stays 256 bits wide). The transcendental functions take it because their arithmetic
/// dominates, ReLU because a convolution's epilogue runs it over blocks already in L1.
/// </summary>
internal interface IUnarySpanLane<T> : IUnaryLane<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>destination[i] = f(x[i]) (the spans may be the same).</summary>
    void Invoke(ReadOnlySpan<T> x, Span<T> destination);
}

/// <summary>A binary elementwise function given per element and per <see cref="Vector{T}"/>; see <see cref="IUnaryLane{T}"/>.</summary>
internal interface IBinaryLane<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>f(x, y) for one element.</summary>
    T Invoke(T x, T y);

    /// <summary>f(x, y) for each lane.</summary>
    Vector<T> Invoke(Vector<T> x, Vector<T> y);
}

/// <summary>
/// One instruction of a fused loop: an op's lane wrapped in vector loops over a block. Operands are block-length spans or,
/// for a broadcast operand, one repeated value. The loop is <see cref="Vector{T}"/> wide; the last partial vector is
/// computed in a padded register (not element by element), so every element goes through the vector form just as in
/// TensorPrimitives' own kernels, which finish with an overlapping vector. Only when <c>scalarTail</c> is set (a whole
/// output shorter than a <see cref="Vector128{T}"/>, where TensorPrimitives loops per element too) is the tail scalar.
/// </summary>
internal abstract class LaneStep<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>f(x, y) for one element (y is ignored by a unary step).</summary>
    public abstract T Invoke(T x, T y);

    /// <summary>destination[i] = f(x[i], y[i]) (y is ignored by a unary step).</summary>
    public abstract void Run(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, bool scalarTail);

    /// <summary>destination[i] = f(x[i], y).</summary>
    public abstract void Run(ReadOnlySpan<T> x, T y, Span<T> destination, bool scalarTail);

    /// <summary>destination[i] = f(x, y[i]).</summary>
    public abstract void Run(T x, ReadOnlySpan<T> y, Span<T> destination, bool scalarTail);
}

/// <summary>Builds lane steps.</summary>
internal static class LaneStep
{
    /// <summary>The step running a unary lane.</summary>
    public static LaneStep<T> Unary<T, TLane>(TLane lane)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TLane : struct, IUnaryLane<T> => new UnaryLaneStep<T, TLane>(lane);

    /// <summary>The step running a unary lane's span form over each block.</summary>
    public static LaneStep<T> UnarySpan<T, TLane>(TLane lane)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TLane : struct, IUnarySpanLane<T> => new UnarySpanLaneStep<T, TLane>(lane);

    /// <summary>The step running a binary lane.</summary>
    public static LaneStep<T> Binary<T, TLane>(TLane lane)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TLane : struct, IBinaryLane<T> => new BinaryLaneStep<T, TLane>(lane);
}

/// <summary>A unary lane's loop (its generic struct argument makes the JIT inline the lane).</summary>
internal sealed class UnaryLaneStep<T, TLane>(TLane lane) : LaneStep<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TLane : struct, IUnaryLane<T>
{
    public override T Invoke(T x, T y) => lane.Invoke(x);

    public override void Run(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, bool scalarTail)
    {
        int n = destination.Length;
        int width = Vector<T>.Count;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T dr = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        for (; i <= n - width; i += width)
        {
            lane.Invoke(Vector.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        }

        if (i == n)
        {
            return;
        }

        if (scalarTail)
        {
            for (; i < n; i++)
            {
                Unsafe.Add(ref dr, i) = lane.Invoke(Unsafe.Add(ref xr, i));
            }

            return;
        }

        Span<T> pad = stackalloc T[width];
        pad.Clear();
        x[i..n].CopyTo(pad);
        lane.Invoke(new Vector<T>(pad)).CopyTo(pad);
        pad[..(n - i)].CopyTo(destination[i..]);
    }

    public override void Run(ReadOnlySpan<T> x, T y, Span<T> destination, bool scalarTail) => Run(x, default(ReadOnlySpan<T>), destination, scalarTail);

    public override void Run(T x, ReadOnlySpan<T> y, Span<T> destination, bool scalarTail) => destination.Fill(lane.Invoke(x));
}

/// <summary>A unary lane whose blocks go through its span form; per element only where TensorPrimitives would be too.</summary>
internal sealed class UnarySpanLaneStep<T, TLane>(TLane lane) : LaneStep<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TLane : struct, IUnarySpanLane<T>
{
    public override T Invoke(T x, T y) => lane.Invoke(x);

    public override void Run(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, bool scalarTail)
    {
        if (scalarTail)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = lane.Invoke(x[i]);
            }
        }
        else if (destination.Length >= Vector<T>.Count)
        {
            lane.Invoke(x, destination);
        }
        else if (!destination.IsEmpty)
        {
            // A block shorter than a vector (the end of a chunk) in a longer tensor: the unfused kernel computed these
            // elements with a vector too, so use the padded vector form rather than TensorPrimitives' per-element path.
            Span<T> pad = stackalloc T[Vector<T>.Count];
            pad.Clear();
            x.CopyTo(pad);
            lane.Invoke(new Vector<T>(pad)).CopyTo(pad);
            pad[..destination.Length].CopyTo(destination);
        }
    }

    public override void Run(ReadOnlySpan<T> x, T y, Span<T> destination, bool scalarTail) => Run(x, default(ReadOnlySpan<T>), destination, scalarTail);

    public override void Run(T x, ReadOnlySpan<T> y, Span<T> destination, bool scalarTail) => destination.Fill(lane.Invoke(x));
}

/// <summary>A binary lane's loops, one per operand pattern.</summary>
internal sealed class BinaryLaneStep<T, TLane>(TLane lane) : LaneStep<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TLane : struct, IBinaryLane<T>
{
    public override T Invoke(T x, T y) => lane.Invoke(x, y);

    public override void Run(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination, bool scalarTail)
    {
        int n = destination.Length;
        int width = Vector<T>.Count;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        ref T dr = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        for (; i <= n - width; i += width)
        {
            lane.Invoke(Vector.LoadUnsafe(ref xr, (nuint)i), Vector.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        }

        if (i == n)
        {
            return;
        }

        if (scalarTail)
        {
            for (; i < n; i++)
            {
                Unsafe.Add(ref dr, i) = lane.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
            }

            return;
        }

        Span<T> padX = stackalloc T[width];
        Span<T> padY = stackalloc T[width];
        padX.Clear();
        padY.Clear();
        x[i..n].CopyTo(padX);
        y[i..n].CopyTo(padY);
        lane.Invoke(new Vector<T>(padX), new Vector<T>(padY)).CopyTo(padX);
        padX[..(n - i)].CopyTo(destination[i..]);
    }

    public override void Run(ReadOnlySpan<T> x, T y, Span<T> destination, bool scalarTail)
    {
        int n = destination.Length;
        int width = Vector<T>.Count;
        var yv = new Vector<T>(y);
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T dr = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        for (; i <= n - width; i += width)
        {
            lane.Invoke(Vector.LoadUnsafe(ref xr, (nuint)i), yv).StoreUnsafe(ref dr, (nuint)i);
        }

        if (i == n)
        {
            return;
        }

        if (scalarTail)
        {
            for (; i < n; i++)
            {
                Unsafe.Add(ref dr, i) = lane.Invoke(Unsafe.Add(ref xr, i), y);
            }

            return;
        }

        Span<T> pad = stackalloc T[width];
        pad.Clear();
        x[i..n].CopyTo(pad);
        lane.Invoke(new Vector<T>(pad), yv).CopyTo(pad);
        pad[..(n - i)].CopyTo(destination[i..]);
    }

    public override void Run(T x, ReadOnlySpan<T> y, Span<T> destination, bool scalarTail)
    {
        int n = destination.Length;
        int width = Vector<T>.Count;
        var xv = new Vector<T>(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        ref T dr = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        for (; i <= n - width; i += width)
        {
            lane.Invoke(xv, Vector.LoadUnsafe(ref yr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        }

        if (i == n)
        {
            return;
        }

        if (scalarTail)
        {
            for (; i < n; i++)
            {
                Unsafe.Add(ref dr, i) = lane.Invoke(x, Unsafe.Add(ref yr, i));
            }

            return;
        }

        Span<T> pad = stackalloc T[width];
        pad.Clear();
        y[i..n].CopyTo(pad);
        lane.Invoke(xv, new Vector<T>(pad)).CopyTo(pad);
        pad[..(n - i)].CopyTo(destination[i..]);
    }
}

/// <summary>
/// <see cref="Vector{T}"/> math for generic <typeparamref name="T"/>: the runtime's float and double vector functions
/// behind one generic signature (the type tests are constants the JIT folds away).
/// </summary>
internal static class VectorMath<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>eˣ per lane: the runtime's <see cref="Vector.Exp(Vector{float})"/>, which TensorPrimitives.Exp also uses, so
    /// the bits agree with the span kernel's vector path.</summary>
    public static Vector<T> Exp(Vector<T> x) =>
        typeof(T) == typeof(float) ? Vector.Exp(x.As<T, float>()).As<float, T>() : Vector.Exp(x.As<T, double>()).As<double, T>();

    /// <summary>ln x per lane (the runtime's <see cref="Vector.Log(Vector{float})"/>, as TensorPrimitives.Log).</summary>
    public static Vector<T> Log(Vector<T> x) =>
        typeof(T) == typeof(float) ? Vector.Log(x.As<T, float>()).As<float, T>() : Vector.Log(x.As<T, double>()).As<double, T>();

    /// <summary>
    /// tanh per lane. The runtime has no public vector tanh, so the lanes go through TensorPrimitives.Tanh itself on a
    /// register-sized span: the same bits as the unfused op, at the price of one call per vector.
    /// </summary>
    public static Vector<T> Tanh(Vector<T> x)
    {
        Span<T> lanes = stackalloc T[Vector<T>.Count];
        x.CopyTo(lanes);
        System.Numerics.Tensors.TensorPrimitives.Tanh(lanes, lanes);
        return new Vector<T>(lanes);
    }
}
