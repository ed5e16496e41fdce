using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

public static partial class OpCatalog
{
    /// <summary>
    /// Ops that only appear inside other ops' gradient rules (conv2d_input_grad, conv2d_filter_grad, max_pool2d_grad,
    /// index_add, pad_mode_grad, slice_grad). Each row's function is a first-order gradient taken with createGraph, so the forward run applies the
    /// backward op and the check differentiates through it.
    /// </summary>
    public static IEnumerable<OpCase> BackwardOps()
    {
        static Tensor[] N(Generator g, params Shape[] shapes) => shapes.Select(s => Tensor.RandN(s, g, DType.Float64)).ToArray();
        static Tensor GradOf(Tensor output, Tensor wrt) => Autodiff.Grad(output, [wrt], createGraph: true)[0];

        yield return Row("conv2d_input_grad via conv2d backward",
            x => GradOf(x[0].Conv2D(x[1], stride: 2, padding: 1).Mul(x[2]).Sum(), x[0]),
            g => N(g, [2, 2, 5, 4], [3, 2, 3, 3], [2, 3, 3, 2]));
        yield return Row("conv2d_filter_grad via conv2d backward",
            x => GradOf(x[0].Conv2D(x[1], dilation: 2).Mul(x[2]).Sum(), x[1]),
            g => N(g, [2, 2, 6, 5], [3, 2, 2, 2], [2, 3, 4, 3]));
        // Distinct, well-separated inputs, so a finite-difference step never changes which element a window picks.
        yield return Row("max_pool2d_grad via max_pool2d backward (overlapping windows, padding)",
            x => GradOf(x[0].MaxPool2D(3, 2, 1).Mul(x[1]).Sum(), x[0]),
            g =>
            {
                var values = Enumerable.Range(0, 60).Select(i => (i * 0.1) - 3).ToArray();
                g.Shuffle(values.AsSpan());
                return [Tensor.FromArray(values, 1, 2, 5, 6), Tensor.RandN([1, 2, 3, 3], g, DType.Float64)];
            }, MaxOrder: 2);
        yield return Row("index_add via index_select backward",
            x => GradOf(x[0].IndexSelect(1, Tensor.FromArray(new long[] { 2, 0, 2 })).Mul(x[1]).Sum(), x[0]),
            g => N(g, [2, 4], [2, 3]));
        yield return Row("pad_mode_grad via reflect pad backward",
            x => GradOf(x[0].Pad([(0, 0), (2, 1)], PaddingMode.Reflect).Mul(x[1]).Sum(), x[0]),
            g => N(g, [2, 4], [2, 7]), MaxOrder: 2);
        yield return Row("slice_grad via slice backward",
            x => GradOf(x[0].Slice(1, 1, 6, 2).Mul(x[1]).Sum(), x[0]),
            g => N(g, [2, 7], [2, 3]));
        yield return Row("slice_grad via contiguous slice backward (zeros before and after each row's run)",
            x => GradOf(x[0].Slice(1, 2, 5).Mul(x[1]).Sum(), x[0]),
            g => N(g, [2, 7], [2, 3]));
    }
}
