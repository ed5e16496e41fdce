using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AutoGrad.Differentiation;

namespace AutoGrad.Tensors;

/// <summary>
/// A dense, row-major, n-dimensional array of numbers (floating point by default; integer or boolean, see
/// <see cref="Tensors.DType"/>) that records the operations applied to it so that gradients can be derived automatically.
/// </summary>
/// <remarks>
/// Tensors are ordinary managed objects: nothing needs disposing. Operations never modify their inputs; the few
/// in-place methods (<see cref="Assign"/>, <see cref="AddInPlace(Tensor, double)"/>, ...) bump a version counter so a
/// value saved for a gradient and then overwritten is reported instead of giving a silently wrong gradient.
/// </remarks>
public sealed partial class Tensor
{
    internal readonly TensorStorage storage;
    internal Node? gradFn;
    private bool requiresGrad;

    /// <summary>The reverse walk that was running on this thread when an op produced this tensor (0: none).</summary>
    /// <remarks>Lets the walk hand a gradient it just computed to a leaf without copying it (see ReverseWalk).</remarks>
    internal long birthWalk;

    /// <summary>Serializes accumulation into <see cref="Grad"/> by backward passes running on several threads; created on first use.</summary>
    private Lock? gradLock;

    // State that changes between runs of a graph (optimizer moments and step counts, the learning rate, running
    // statistics): a trace captures it by reference as a graph parameter, never as a constant to fold.
    internal bool isState;

    /// <summary>Allocates a zero-filled tensor.</summary>
    internal Tensor(TensorType type)
        : this(type.Shape, type.DType)
    {
    }

    /// <summary>Allocates a zero-filled tensor.</summary>
    internal Tensor(Shape shape, DType dtype)
    {
        Shape = shape;
        DType = dtype;
        storage = new TensorStorage(dtype.Allocate(shape.Size));
    }

    /// <summary>Allocates a tensor whose contents are unspecified (not zeroed) when <paramref name="uninitialized"/>.</summary>
    /// <remarks>For outputs that the caller overwrites completely: a large output is not cleared only to be overwritten.</remarks>
    internal Tensor(TensorType type, bool uninitialized)
    {
        Shape = type.Shape;
        DType = type.DType;
        storage = new TensorStorage(DType.Allocate(Shape.Size, uninitialized));
    }

    /// <summary>Wraps an owned element array (<c>float[]</c>, <c>double[]</c>, <c>long[]</c>, <c>int[]</c>, <c>bool[]</c> or <c>byte[]</c>) whose length matches the shape.</summary>
    internal Tensor(Array data, Shape shape)
    {
        DType = data.GetType().GetElementType() is { } element && data.Rank == 1
            ? DTypeExtensions.Of(element)
            : throw new ArgumentException($"Tensor data must be a one-dimensional element array, got {data.GetType().Name}.");
        if (data.Length != shape.Size)
        {
            throw new ArgumentException($"Data of length {data.Length} does not fit shape {shape} ({shape.Size} elements).");
        }

        Shape = shape;
        storage = new TensorStorage(data);
    }

    /// <summary>Wraps <c>shape.Size</c> elements of an element array from <paramref name="offset"/> on (a slice of a compiled graph's arena).</summary>
    internal Tensor(Array data, int offset, Shape shape)
    {
        DType = data.GetType().GetElementType() is { } element && data.Rank == 1
            ? DTypeExtensions.Of(element)
            : throw new ArgumentException($"Tensor data must be a one-dimensional element array, got {data.GetType().Name}.");
        if ((uint)offset > (uint)data.Length || data.Length - offset < shape.Size)
        {
            throw new ArgumentException($"Elements {offset}..{offset + shape.Size} of a {data.GetType().Name} of length {data.Length} cannot hold shape {shape}.");
        }

        Shape = shape;
        storage = new TensorStorage(data, offset, shape.Size);
    }

    private Tensor(TensorStorage storage, Shape shape, DType dtype)
    {
        this.storage = storage;
        Shape = shape;
        DType = dtype;
    }

    /// <summary>
    /// A typed value without data (a placeholder or an op's result under abstract tracing). Nothing is allocated however
    /// large the type: a trace costs type inference only, even at the unusual batch extent a one-pass trace uses.
    /// </summary>
    internal static Tensor Abstract(TensorType type) =>
        new(new TensorStorage(type.DType.Allocate(0, uninitialized: true)) { IsAbstract = true }, type.Shape, type.DType);

    /// <summary>The extent of each axis.</summary>
    public Shape Shape { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The shape and element type together.</summary>
    public TensorType Type => new(Shape, DType);

    /// <summary>The number of axes.</summary>
    public int Rank => Shape.Rank;

    /// <summary>The number of elements.</summary>
    public int Size
    {
        [ForwardsExtents]
        get => Shape.Size;
    }

    /// <summary>
    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs you differentiate by);
    /// results of operations on such tensors require gradients automatically. Only floating-point tensors can.
    /// </summary>
    /// <exception cref="InvalidOperationException">Turning it off on a non-leaf (use <see cref="Detach"/>), or turning it on
    /// for an integer or boolean tensor (gradients are only defined for floating point, as in PyTorch).</exception>
    public bool RequiresGrad
    {
        get => requiresGrad || gradFn is not null;
        set
        {
            if (value && !DType.IsFloatingPoint())
            {
                throw new InvalidOperationException(
                    $"Only floating-point tensors can require gradients; this one ('{Name ?? "unnamed"}') is {Type}. " +
                    "Convert it first (x.To(DType.Float32)) if it should be differentiated.");
            }

            if (gradFn is not null && !value)
            {
                throw new InvalidOperationException(
                    $"RequiresGrad can only be turned off on a leaf tensor; this one was produced by '{gradFn.Op.Name}'. Use Detach().");
            }

            requiresGrad = value;
        }
    }

    /// <summary>True when the tensor was not produced by a recorded operation (created by the user, or under no-grad).</summary>
    public bool IsLeaf => gradFn is null;

    /// <summary>The node that produced this tensor on the tape, or null for a leaf.</summary>
    public Node? GradFn => gradFn;

    /// <summary>The gradient accumulated by <see cref="Backward(Tensor?, bool, bool)"/>; null until then or after <see cref="ZeroGrad"/>.</summary>
    /// <remarks>
    /// Backward passes may run on several threads at once, also through one shared model: each contribution is added
    /// to a leaf's gradient under that leaf's own lock, so none is lost (as in PyTorch; the order of the additions, and
    /// so the last bits of a float32 sum, may differ between runs). Reading, setting or clearing <c>Grad</c> (and
    /// an optimizer's <c>Step</c>) is not synchronized with them: wait for the backward passes to finish first.
    /// </remarks>
    public Tensor? Grad { get; set; }

    /// <summary>The lock that accumulation into <see cref="Grad"/> holds (see the remarks there).</summary>
    internal Lock GradLock => LazyInitializer.EnsureInitialized(ref gradLock);

    /// <summary>An optional name (layers name their parameters by path, e.g. <c>dense1.kernel</c>); used by printed graphs.</summary>
    public string? Name { get; set; }

    /// <summary>How many in-place writes the underlying storage has seen.</summary>
    public int Version => storage.Version;

    /// <summary>Returns this tensor with <see cref="RequiresGrad"/> set, for fluent construction of parameters.</summary>
    public Tensor RequireGrad(bool requires = true)
    {
        RequiresGrad = requires;
        return this;
    }

    /// <summary>A tensor sharing this one's data (and version counter) that is cut from the tape: no gradient flows through it.</summary>
    public Tensor Detach() => new(storage, Shape, DType) { Name = Name };

    /// <summary>Resets <see cref="Grad"/> to null.</summary>
    public void ZeroGrad() => Grad = null;

    /// <summary>A deep copy of the values, cut from the tape.</summary>
    public Tensor Clone() => new(CopyElements(), Shape);

    /// <summary>The tensor's own elements in a new array of their element type.</summary>
    private Array CopyElements()
    {
        Array copy = Array.CreateInstance(storage.Data.GetType().GetElementType()!, Size);
        Array.Copy(storage.Data, storage.Offset, copy, 0, Size);
        return copy;
    }

    /// <summary>The element buffer as a span of <typeparamref name="T"/>, which must match <see cref="DType"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<T> AsSpan<T>()
        where T : unmanaged
    {
        // The storage array's type is the dtype's (DType.Allocate): one type-handle compare, where mapping the dtype to a
        // Type object cost a measurable share of a small compiled step. Offset and Length lie inside the array (checked
        // when the storage was made), so the span is made without checking them again.
        TensorStorage s = storage;
        if (s.Data.GetType() != typeof(T[]))
        {
            ThrowWrongElementType(typeof(T));
        }

        return MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Unsafe.As<T[]>(s.Data)), s.Offset), s.Length);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowWrongElementType(Type type) =>
        throw new InvalidOperationException($"Tensor of dtype {DType} read as {type.Name}.");

    /// <summary>
    /// The element buffer reinterpreted as raw units of the same size (<c>byte</c>, <c>int</c> or <c>long</c>), for
    /// kernels that only move elements (permute, slice, broadcast, gather): one instantiation serves every dtype of that
    /// size, and moving bits never changes a value.
    /// </summary>
    internal Span<T> Raw<T>()
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != DType.ElementSize())
        {
            throw new InvalidOperationException($"Tensor of dtype {DType} moved as {typeof(T).Name}.");
        }

        ref byte start = ref MemoryMarshal.GetArrayDataReference(storage.Data);
        return MemoryMarshal.CreateSpan(ref Unsafe.Add(ref Unsafe.As<byte, T>(ref start), storage.Offset), Size);
    }

    /// <summary>The elements as memory of <typeparamref name="T"/> (for kernels that hand slices to worker threads).</summary>
    internal Memory<T> AsMemory<T>()
        where T : unmanaged
    {
        _ = AsSpan<T>();
        return new Memory<T>(Unsafe.As<T[]>(storage.Data), storage.Offset, storage.Length);
    }

    /// <summary>
    /// Rows <c>[start, start + count)</c> along axis 0 as a tensor over the same elements (no copy, no gradient
    /// connection, its own version counter): for internal readers such as a data loader feeding Fit.
    /// </summary>
    internal Tensor RowsView(int start, int count)
    {
        CheckConcrete("RowsView");
        int rowSize = Shape[0] == 0 ? 0 : Size / Shape[0];
        int[] dims = Shape.ToArray();
        dims[0] = count;
        return new Tensor(storage.Data, storage.Offset + (start * rowSize), new Shape(dims));
    }

    /// <summary>Copies <paramref name="length"/> elements from flat index <paramref name="sourceIndex"/> into <paramref name="destination"/> at <paramref name="destinationIndex"/> (same dtype).</summary>
    internal void CopyTo(int sourceIndex, Tensor destination, int destinationIndex, int length) =>
        Array.Copy(storage.Data, storage.Offset + sourceIndex, destination.storage.Data, destination.storage.Offset + destinationIndex, length);

    /// <summary>Copies every element into <paramref name="destination"/>, which has the same size and dtype.</summary>
    internal void CopyTo(Tensor destination) => CopyTo(0, destination, 0, Size);

    /// <summary>Sets every element to zero (no version bump: for outputs a kernel is about to write).</summary>
    internal void ClearElements() => Array.Clear(storage.Data, storage.Offset, storage.Length);

    /// <summary>
    /// The elements as an array of their own element type, for the integer paths that compute on whole arrays: the
    /// storage array itself when the tensor spans all of it (do not write to it), else a copy of the tensor's slice.
    /// </summary>
    internal Array ReadElements() => storage.Offset == 0 && storage.Length == storage.Data.Length ? storage.Data : CopyElements();

    /// <summary>Copies <paramref name="values"/> (an array of this tensor's element type and size) into the elements.</summary>
    internal void WriteElements(Array values) => Array.Copy(values, 0, storage.Data, storage.Offset, Size);

    /// <summary>Copies the values, in row-major order, converting to float32 if needed.</summary>
    public float[] ToArray() => ToArray<float>();

    /// <summary>
    /// Copies the values, in row-major order, converting to <typeparamref name="T"/> (float, double, long, int, bool or
    /// byte) if needed: floating point to integer truncates toward zero, anything to bool is "not zero".
    /// </summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not an element type.</exception>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        CheckConcrete("ToArray");
        if (storage.Data is T[])
        {
            return AsSpan<T>().ToArray();
        }

        var result = new T[Size];
        _ = DTypeExtensions.Of<T>();
        Kernels.Cast.Convert(ReadElements(), result);
        return result;
    }

    /// <summary>The single value of a one-element tensor, converted to <typeparamref name="T"/> as <see cref="ToArray{T}"/> does (e.g. <c>labels[0].Item&lt;long&gt;()</c>).</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element.</exception>
    public T Item<T>()
        where T : unmanaged
    {
        CheckSingle();
        return ToArray<T>()[0];
    }

    /// <summary>The single value of a one-element tensor, as float.</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element.</exception>
    public float Item() => (float)ItemDouble();

    /// <summary>The single value of a one-element tensor, as double.</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element.</exception>
    public double ItemDouble()
    {
        CheckSingle();
        return GetFlat(0);
    }

    private void CheckSingle()
    {
        if (Size != 1)
        {
            throw new InvalidOperationException($"Item() needs a tensor with exactly one element; this one has shape {Shape} ({Size} elements).");
        }

        CheckConcrete("Item");
    }

    /// <summary>Reads or writes one element by its full index (negative indices count from the end). Writing is an in-place change.</summary>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public double this[params int[] index]
    {
        get
        {
            CheckConcrete("indexer");
            return GetFlat(FlatIndex(index));
        }
        set
        {
            CheckInPlaceAllowed("indexer set");
            SetFlat(FlatIndex(index), value);
            storage.Version++;
        }
    }

    /// <summary>Whether this is a traced value without data (see <see cref="CheckConcrete"/>).</summary>
    internal bool IsAbstract => storage.IsAbstract;

    /// <summary>Refuses to read the values of a traced tensor: under <c>Graph.Trace</c> ops are recorded, not run.</summary>
    /// <exception cref="InvalidOperationException">The tensor is a traced value.</exception>
    internal void CheckConcrete(string what)
    {
        if (storage.IsAbstract)
        {
            throw new InvalidOperationException(
                $"{what}: this {Type} tensor is a traced value and has no data (inside Graph.Trace ops are recorded, not run). " +
                "A traced function cannot read values or branch on them; write the computation with tensor ops so it becomes part of the graph.");
        }
    }

    /// <summary>One element as a double (exact for every dtype except integers beyond 2^53).</summary>
    internal double GetFlat(int i) => GetFlatAt(storage.Offset + i);

    private double GetFlatAt(int i) => storage.Data switch
    {
        float[] f => f[i],
        double[] d => d[i],
        long[] l => l[i],
        int[] n => n[i],
        bool[] b => b[i] ? 1 : 0,
        _ => ((byte[])storage.Data)[i],
    };

    /// <summary>Writes one element, converting as a cast does (truncation toward zero for integers, "not zero" for bool).</summary>
    internal void SetFlat(int index, double value)
    {
        int i = storage.Offset + index;
        switch (storage.Data)
        {
            case float[] f: f[i] = (float)value; break;
            case double[] d: d[i] = value; break;
            case bool[] b: b[i] = value != 0; break;
            default:
                long wide = double.IsNaN(value) ? 0 : long.CreateSaturating(value);
                switch (storage.Data)
                {
                    case long[] l: l[i] = wide; break;
                    case int[] n: n[i] = unchecked((int)wide); break;
                    default: ((byte[])storage.Data)[i] = unchecked((byte)wide); break;
                }

                break;
        }
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != Rank)
        {
            throw new ArgumentException($"Index has {index.Length} components but the tensor has rank {Rank} (shape {Shape}).");
        }

        int flat = 0;
        for (int axis = 0; axis < index.Length; axis++)
        {
            int extent = Shape[axis];
            int i = index[axis] < 0 ? index[axis] + extent : index[axis];
            if ((uint)i >= (uint)extent)
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"Index {index[axis]} is out of range for axis {axis} with size {extent} (shape {Shape}).");
            }

            flat = (flat * extent) + i;
        }

        return flat;
    }
}
