using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Tensors;

namespace AutoGrad.Ops;

/// <summary>
/// The trait of an op whose output, seen as one matrix (<see cref="EpilogueMatrix"/>), is written block by block by a
/// kernel that can apply elementwise work to each block as it becomes final (a GEMM's epilogue,
/// <see cref="IGemmEpilogue{T}"/>): a bias add, an activation or a gradient's mask then runs while the block is in cache
/// instead of as another sweep over the result. A 2-D product is its own matrix; a convolution's NCHW output is the
/// (N·C) × (H·W) matrix of its rows in memory. The graph pass that fuses such work reads this trait, never the op's name.
/// </summary>
internal interface IEpilogueProducer
{
    /// <summary>
    /// Whether an application to inputs of these ranks writes a single 2-D output through the epilogue-capable kernel
    /// (a plain matrix product does; a batched one does not).
    /// </summary>
    /// <param name="inputRanks">The rank of each input.</param>
    bool AcceptsEpilogue(ReadOnlySpan<int> inputRanks);

    /// <summary>
    /// The matrix whose blocks the epilogue is handed: element (r, c) is output element r·Columns + c. A 2-D output is its
    /// own matrix (the default); only a 2-D output can take row ([n]) or column ([m, 1]) operands, others take operands of
    /// their own shape or one value.
    /// </summary>
    (int Rows, int Columns) EpilogueMatrix(Shape output) => (output[0], output[1]);

    /// <summary>
    /// The op's forward into <paramref name="output"/> followed by <paramref name="epilogue"/> on every element, in
    /// blocks that may run on several threads at once. Only for inputs <see cref="AcceptsEpilogue"/> accepts.
    /// </summary>
    void Forward<T>(ReadOnlySpan<Tensor> inputs, Tensor output, IGemmEpilogue<T> epilogue)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;
}
