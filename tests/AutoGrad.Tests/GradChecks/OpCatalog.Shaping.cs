using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

public static partial class OpCatalog
{
    /// <summary>
    /// Shape ops (permute, transpose, squeeze, unsqueeze, flatten, concat, stack, split, slice, pad) and dropout.
    /// Linear ops are squared in second-order rows so the second derivative runs their gradient's own rule.
    /// </summary>
    public static IEnumerable<OpCase> Shaping()
    {
        static Tensor[] N(Generator g, params Shape[] shapes) => shapes.Select(s => Tensor.RandN(s, g, DType.Float64)).ToArray();
        static Tensor Sq(Tensor t) => t.Mul(t);

        yield return Row("permute (2,0,1)", x => Sq(x[0].Permute(2, 0, 1)), g => N(g, [2, 3, 4]), MaxOrder: 2);
        yield return Row("permute negative axes", x => x[0].Permute(-1, -3, -2), g => N(g, [2, 3, 4]));
        yield return Row("permute rank 4", x => x[0].Permute(0, 3, 1, 2), g => N(g, [2, 2, 3, 2]));
        yield return Row("transpose last two", x => Sq(x[0].Transpose()), g => N(g, [2, 3, 4]), MaxOrder: 2);
        yield return Row("transpose (0,2)", x => x[0].Transpose(0, -1), g => N(g, [2, 3, 4]));
        yield return Row("squeeze all", x => x[0].Squeeze(), g => N(g, [2, 1, 3, 1]));
        yield return Row("squeeze axis 1", x => x[0].Squeeze(1), g => N(g, [2, 1, 3, 1]));
        yield return Row("squeeze axis -1", x => x[0].Squeeze(-1), g => N(g, [2, 1, 3, 1]));
        yield return Row("unsqueeze 0", x => x[0].Unsqueeze(0), g => N(g, [2, 3]));
        yield return Row("unsqueeze -1", x => x[0].Unsqueeze(-1), g => N(g, [2, 3]));
        yield return Row("flatten 1", x => x[0].Flatten(), g => N(g, [2, 3, 2]));
        yield return Row("flatten 0", x => x[0].Flatten(0), g => N(g, [2, 3, 2]));
        yield return Row("concat axis 0", x => Sq(Tensor.Concat([x[0], x[1], x[2]])), g => N(g, [1, 3], [2, 3], [3, 3]), MaxOrder: 2);
        yield return Row("concat axis 1", x => Tensor.Concat([x[0], x[1]], 1), g => N(g, [2, 1, 2], [2, 3, 2]));
        yield return Row("concat axis -1", x => Tensor.Concat([x[0], x[1], x[0]], -1), g => N(g, [2, 2], [2, 3]));
        yield return Row("stack axis 0", x => Sq(Tensor.Stack([x[0], x[1]])), g => N(g, [2, 3], [2, 3]), MaxOrder: 2);
        yield return Row("stack axis 1", x => Tensor.Stack([x[0], x[1], x[2]], 1), g => N(g, [2, 3], [2, 3], [2, 3]));
        yield return Row("stack axis -1", x => Tensor.Stack([x[0], x[1]], -1), g => N(g, [2, 3], [2, 3]));
        yield return Row("split sections", x => SplitProduct(x[0].Split(3, 1)), g => N(g, [2, 6]), MaxOrder: 2);
        yield return Row("split sizes axis -1", x => SplitProduct(x[0].Split([2, 2, 2], -1)), g => N(g, [3, 6]));
        yield return Row("slice axis 0", x => Sq(x[0].Slice(0, 1, 3)), g => N(g, [4, 3]), MaxOrder: 2);
        yield return Row("slice negative bounds", x => x[0].Slice(1, -3, -1), g => N(g, [2, 5]));
        yield return Row("slice step 2", x => Sq(x[0].Slice(-1, 0, 5, 2)), g => N(g, [2, 3, 5]), MaxOrder: 2);
        yield return Row("slice step 3 clamped", x => x[0].Slice(1, 1, 100, 3), g => N(g, [2, 8]));
        yield return Row("pad 2-D", x => Sq(x[0].Pad([(1, 2), (0, 1)])), g => N(g, [2, 3]), MaxOrder: 2);
        yield return Row("pad value 3.5", x => x[0].Pad([(0, 0), (2, 1), (1, 0)], 3.5).Mul(x[0].Pad([(0, 0), (2, 1), (1, 0)])), g => N(g, [2, 2, 3]));
        yield return Row("dropout seeded", x => Sq(x[0].Dropout(0.4, true, new Generator(7))), g => N(g, [4, 5]), MaxOrder: 2);
    }

    // Multiplies equally shaped pieces elementwise, so each piece's gradient depends on the others.
    private static Tensor SplitProduct(Tensor[] pieces) => pieces.Skip(1).Aggregate(pieces[0], (a, b) => a.Mul(b));
}
