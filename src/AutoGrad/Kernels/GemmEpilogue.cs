namespace AutoGrad.Kernels;

/// <summary>
/// Elementwise work a GEMM applies to its output (a bias, an activation, a gradient's mask) as each block of C becomes
/// final, while the block is still in cache, instead of a separate sweep over the whole result afterwards.
/// </summary>
/// <remarks>
/// Implement it on a class the caller prepares once and reuses, so a product with an epilogue allocates nothing.
/// </remarks>
internal interface IGemmEpilogue<T>
    where T : unmanaged
{
    /// <summary>
    /// Called once for every element of C, in disjoint rectangular blocks: rows [<paramref name="row0"/>,
    /// <paramref name="row0"/> + <paramref name="rows"/>) and columns [<paramref name="col0"/>, <paramref name="col0"/> +
    /// <paramref name="cols"/>) of C hold their final value (every k summed, the accumulated C included). Blocks of one
    /// product may be passed to different threads at once, so an implementation writes only inside its block.
    /// </summary>
    /// <param name="c">All of C (element 0 is row 0, column 0).</param>
    /// <param name="ldc">The row stride of C.</param>
    /// <param name="row0">The block's first row.</param>
    /// <param name="rows">The block's row count.</param>
    /// <param name="col0">The block's first column.</param>
    /// <param name="cols">The block's column count.</param>
    void Apply(Span<T> c, int ldc, int row0, int rows, int col0, int cols);
}

/// <summary>
/// An <see cref="IGemmEpilogue{T}"/> (or none) bound to the whole C of one product and to the offset of the part a
/// thread computes, so kernels report finished blocks in their own coordinates.
/// </summary>
internal readonly unsafe struct EpilogueTarget<T>
    where T : unmanaged
{
    private readonly IGemmEpilogue<T>? _epilogue;
    private readonly T* _c;
    private readonly int _length;
    private readonly int _ldc;
    private readonly int _row0;
    private readonly int _col0;

    /// <summary>Binds <paramref name="epilogue"/> (null for none) to all of C: <paramref name="length"/> elements, row stride <paramref name="ldc"/>.</summary>
    public EpilogueTarget(IGemmEpilogue<T>? epilogue, T* c, int length, int ldc)
        : this(epilogue, c, length, ldc, 0, 0)
    {
    }

    private EpilogueTarget(IGemmEpilogue<T>? epilogue, T* c, int length, int ldc, int row0, int col0)
    {
        _epilogue = epilogue;
        _c = c;
        (_length, _ldc, _row0, _col0) = (length, ldc, row0, col0);
    }

    /// <summary>The same target for a part of C that starts <paramref name="rows"/> rows and <paramref name="cols"/> columns further on.</summary>
    public EpilogueTarget<T> Offset(int rows, int cols) =>
        new(_epilogue, _c, _length, _ldc, _row0 + rows, _col0 + cols);

    /// <summary>Reports the block at <paramref name="row0"/>, <paramref name="col0"/> of the part as final.</summary>
    public void Apply(int row0, int rows, int col0, int cols)
    {
        if (_epilogue is not null && rows > 0 && cols > 0)
        {
            _epilogue.Apply(new Span<T>(_c, _length), _ldc, _row0 + row0, rows, _col0 + col0, cols);
        }
    }
}
