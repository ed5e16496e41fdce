namespace AutoGrad.Data.Idx;

/// <summary>The content of an IDX file: its element type, its dimensions and its elements in host byte order.</summary>
/// <remarks>
/// <see cref="Data"/> is a one-dimensional array holding the elements row-major (the last dimension varies
/// fastest), typed by <see cref="DataType"/>: <see cref="byte"/>[] for <see cref="IdxDataType.UnsignedByte"/>,
/// <see cref="sbyte"/>[], <see cref="short"/>[], <see cref="int"/>[], <see cref="float"/>[] or
/// <see cref="double"/>[] for the others. <see cref="GetData{T}"/> returns it typed.
/// </remarks>
public sealed class IdxArray
{
    internal IdxArray(IdxDataType dataType, int[] dimensions, Array data)
    {
        DataType = dataType;
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>The element type declared by the file.</summary>
    public IdxDataType DataType { get; }

    /// <summary>The dimension sizes, outermost first, each at least 1 (e.g. [60000, 28, 28] for MNIST training images).</summary>
    public int[] Dimensions { get; }

    /// <summary>The elements, row-major, as an array of the element type (see the remarks of <see cref="IdxArray"/>).</summary>
    public Array Data { get; }

    /// <summary>The number of elements: the product of <see cref="Dimensions"/>.</summary>
    public long ElementCount => Data.LongLength;

    /// <summary>Returns <see cref="Data"/> as a <typeparamref name="T"/>[] (the array itself, not a copy).</summary>
    /// <typeparam name="T">The element type matching <see cref="DataType"/>, e.g. <see cref="byte"/> for <see cref="IdxDataType.UnsignedByte"/>.</typeparam>
    /// <returns>The elements.</returns>
    /// <exception cref="InvalidOperationException">The elements are of another type.</exception>
    public T[] GetData<T>() where T : unmanaged =>
        // An exact type test: the runtime's cast would let a byte[] pass as an sbyte[] (and int[] as uint[]).
        Data.GetType() == typeof(T[])
            ? (T[])Data
            : throw new InvalidOperationException($"The IDX data are {DataType} ({Data.GetType().GetElementType()!.Name}), not {typeof(T).Name}.");
}
