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
