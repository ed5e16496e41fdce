using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

public static partial class OpCatalog
{
    /// <summary>
    /// gather, scatter_add and index_select, with repeated indices so accumulation is checked; indices are Int64 (and
    /// Int32 in one row each) constants, so only the float input is differentiated.
    /// </summary>
    public static IEnumerable<OpCase> Indexing()
    {
        static Tensor[] N(Generator g, params Shape[] shapes) => shapes.Select(s => Tensor.RandN(s, g, DType.Float64)).ToArray();
        static Tensor Sq(Tensor t) => t.Mul(t);
        static Tensor I(long[] values, params int[] shape) => Tensor.FromArray(values, shape);
        static Tensor I32(int[] values, params int[] shape) => Tensor.FromArray(values, shape);

        Tensor rows = I([2, 0, 2, 1, 1, 0], 2, 3);
        Tensor columns = I([3, 3, 0, 1, 2, 0], 3, 2);
        yield return Row("gather axis 0 repeats", x => Sq(x[0].Gather(0, rows)), g => N(g, [3, 4]), MaxOrder: 2);
        yield return Row("gather axis 1 smaller index", x => Sq(x[0].Gather(1, columns)), g => N(g, [3, 4]), MaxOrder: 2);
        yield return Row("gather axis -1 rank 3", x => x[0].Gather(-1, I([1, 0, 0, 2, 2, 2, 1, 1], 2, 2, 2)), g => N(g, [2, 3, 3]));
        yield return Row("scatter_add axis 0", x => Sq(x[0].ScatterAdd(0, rows, x[1])), g => N(g, [3, 4], [2, 3]), MaxOrder: 2);
        yield return Row("scatter_add axis 1", x => Sq(x[0].ScatterAdd(1, columns, x[1])), g => N(g, [3, 4], [3, 2]), MaxOrder: 2);
        yield return Row("index_select axis 0", x => Sq(x[0].IndexSelect(0, I([2, 0, 2, 1]))), g => N(g, [3, 2]), MaxOrder: 2);
        yield return Row("index_select axis 1", x => x[0].IndexSelect(1, I([1, 1, 0])), g => N(g, [2, 3, 2]));
        yield return Row("index_select axis -1", x => Sq(x[0].IndexSelect(-1, I([3, 0]))), g => N(g, [2, 4]), MaxOrder: 2);
        yield return Row("gather int32 indices", x => Sq(x[0].Gather(1, I32([3, 3, 0, 1, 2, 0], 3, 2))), g => N(g, [3, 4]), MaxOrder: 2);
        yield return Row("scatter_add int32 indices", x => Sq(x[0].ScatterAdd(0, I32([2, 0, 2, 1, 1, 0], 2, 3), x[1])), g => N(g, [3, 4], [2, 3]), MaxOrder: 2);
        yield return Row("index_select int32 indices", x => Sq(x[0].IndexSelect(0, I32([2, 0, 2, 1]))), g => N(g, [3, 2]), MaxOrder: 2);
    }
}
