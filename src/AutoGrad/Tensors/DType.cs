using System.Runtime.InteropServices;

namespace AutoGrad.Tensors;

/// <summary>
/// The element type of a tensor: floating point (the default, and the only kind that carries gradients), integer
/// (class labels, indices, counts) or boolean (masks, comparison results).
/// </summary>
/// <remarks>
/// Binary elementwise ops bring their operands to one dtype as PyTorch does (see <see cref="DTypeExtensions.Promote"/>):
/// bool &lt; integer &lt; floating point; within a kind the wider type wins; a 0-D operand (a scalar) does not widen
/// a higher-rank operand of the same kind.
/// </remarks>
public enum DType
{
    /// <summary>32-bit IEEE 754 floating point, the default.</summary>
    Float32,

    /// <summary>64-bit IEEE 754 floating point, used for gradient checks and precise work.</summary>
    Float64,

    /// <summary>64-bit signed integer: the dtype of labels, indices and <c>ArgMax</c> (PyTorch's <c>torch.long</c>).</summary>
    Int64,

    /// <summary>32-bit signed integer.</summary>
    Int32,

    /// <summary>Boolean: the dtype of comparison results and masks.</summary>
    Bool,

    /// <summary>Unsigned 8-bit integer, as raw image pixels are stored.</summary>
    UInt8,
}

/// <summary>Helpers for <see cref="DType"/>.</summary>
public static class DTypeExtensions
{
    /// <summary>The short name used in printed graphs and errors: <c>f32</c>, <c>f64</c>, <c>i64</c>, <c>i32</c>, <c>bool</c> or <c>u8</c>.</summary>
    public static string ShortName(this DType dtype) => dtype switch
    {
        DType.Float32 => "f32",
        DType.Float64 => "f64",
        DType.Int64 => "i64",
        DType.Int32 => "i32",
        DType.Bool => "bool",
        DType.UInt8 => "u8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>The size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float64 or DType.Int64 => 8,
        _ => 1,
    };

    /// <summary>True for <see cref="DType.Float32"/> and <see cref="DType.Float64"/>, the dtypes that can require gradients.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>True for the integer dtypes <see cref="DType.Int64"/>, <see cref="DType.Int32"/> and <see cref="DType.UInt8"/> (not <see cref="DType.Bool"/>).</summary>
    public static bool IsInteger(this DType dtype) => dtype is DType.Int64 or DType.Int32 or DType.UInt8;

    /// <summary>
    /// The dtype two operands of a binary elementwise op are brought to, following PyTorch's type promotion: the higher
    /// kind wins (bool &lt; integer &lt; floating point); within one kind the wider type wins (u8 &lt; i32 &lt; i64,
    /// f32 &lt; f64) unless exactly one operand is 0-D, in which case the other operand's dtype is kept.
    /// </summary>
    /// <param name="a">The first operand's type.</param>
    /// <param name="b">The second operand's type.</param>
    public static DType Promote(TensorType a, TensorType b)
    {
        if (a.DType == b.DType)
        {
            return a.DType;
        }

        int kindA = Kind(a.DType), kindB = Kind(b.DType);
        if (kindA != kindB)
        {
            return kindA > kindB ? a.DType : b.DType;
        }

        bool scalarA = a.Shape.Rank == 0, scalarB = b.Shape.Rank == 0;
        if (scalarA != scalarB)
        {
            return scalarA ? b.DType : a.DType;
        }

        return Rank(a.DType) >= Rank(b.DType) ? a.DType : b.DType;
    }

    /// <summary>The CLR element type of the storage: float, double, long, int, bool or byte.</summary>
    internal static Type ClrType(this DType dtype) => dtype switch
    {
        DType.Float32 => typeof(float),
        DType.Float64 => typeof(double),
        DType.Int64 => typeof(long),
        DType.Int32 => typeof(int),
        DType.Bool => typeof(bool),
        _ => typeof(byte),
    };

    /// <summary>The dtype whose storage is a <typeparamref name="T"/>[].</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not an element type.</exception>
    internal static DType Of<T>() => Of(typeof(T));

    /// <summary>The dtype whose storage has elements of <paramref name="type"/>.</summary>
    /// <exception cref="NotSupportedException">The type is not an element type.</exception>
    internal static DType Of(Type type) =>
        type == typeof(float) ? DType.Float32
        : type == typeof(double) ? DType.Float64
        : type == typeof(long) ? DType.Int64
        : type == typeof(int) ? DType.Int32
        : type == typeof(bool) ? DType.Bool
        : type == typeof(byte) ? DType.UInt8
        : throw new NotSupportedException($"{type.Name} is not a tensor element type (float, double, long, int, bool or byte).");

    /// <summary>
    /// A zeroed (or, when <paramref name="uninitialized"/>, unspecified) element array of this dtype; on the pinned heap
    /// when <paramref name="pinned"/>, where it never moves.
    /// </summary>
    internal static Array Allocate(this DType dtype, int size, bool uninitialized = false, bool pinned = false) => dtype switch
    {
        DType.Float32 => New<float>(size, uninitialized, pinned),
        DType.Float64 => New<double>(size, uninitialized, pinned),
        DType.Int64 => New<long>(size, uninitialized, pinned),
        DType.Int32 => New<int>(size, uninitialized, pinned),
        DType.Bool => GC.AllocateArray<bool>(size, pinned),
        _ => New<byte>(size, uninitialized, pinned),
    };

    /// <summary>
    /// A zeroed, pinned element array of this dtype with room for <paramref name="size"/> elements from
    /// <paramref name="offset"/> on, where the data starts on a 64-byte boundary. A compiled plan keeps every value in one
    /// such array at 64-byte-aligned offsets, so a 512-bit load of a value's start never splits a cache line; a plain array
    /// starts 8-byte aligned, and where it landed varied from process to process. Pinned, so the boundary never moves.
    /// </summary>
    internal static Array AllocateAligned(this DType dtype, int size, out int offset)
    {
        int elementSize = dtype.ElementSize();
        Array array = dtype.Allocate(checked(size + (64 / elementSize)), pinned: true);
        nint start = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
        offset = (int)((64 - (start & 63)) & 63) / elementSize;
        return array;
    }

    private static T[] New<T>(int size, bool uninitialized, bool pinned) =>
        uninitialized ? GC.AllocateUninitializedArray<T>(size, pinned) : GC.AllocateArray<T>(size, pinned);

    private static int Kind(DType dtype) => dtype.IsFloatingPoint() ? 2 : dtype.IsInteger() ? 1 : 0;

    private static int Rank(DType dtype) => dtype switch
    {
        DType.UInt8 => 0,
        DType.Int32 => 1,
        DType.Int64 => 2,
        DType.Float32 => 0,
        _ => 1,
    };
}
