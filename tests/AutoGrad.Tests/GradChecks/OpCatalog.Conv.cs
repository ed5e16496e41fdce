using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

public static partial class OpCatalog
{
    /// <summary>
    /// conv2d in every setting (stride, padding, dilation, groups, bias, non-square), conv_transpose2d, reflect and
    /// replicate padding, max and average pooling (rectangular, ceil mode, count_include_pad), batch_norm and layer_norm.
    /// </summary>
    public static IEnumerable<OpCase> Conv()
    {
        static Tensor[] N(Generator g, params Shape[] shapes) => shapes.Select(s => Tensor.RandN(s, g, DType.Float64)).ToArray();
        static Tensor Sq(Tensor t) => t.Mul(t);

        // Distinct values at least 0.05 apart, so no max-pooling window has a tie a finite-difference step could flip.
        static Tensor[] Distinct(Generator g, Shape shape)
        {
            var values = Enumerable.Range(0, shape.Size).Select(i => (i * 0.05) - 1).ToArray();
            g.Shuffle(values.AsSpan());
            return [Tensor.FromArray(values, shape.ToArray())];
        }

        yield return Row("conv2d basic", x => x[0].Conv2D(x[1]), g => N(g, [2, 2, 5, 4], [3, 2, 3, 3]));
        yield return Row("conv2d bias", x => x[0].Conv2D(x[1], x[2]), g => N(g, [2, 2, 4, 4], [3, 2, 3, 3], [3]));
        yield return Row("conv2d stride 2", x => x[0].Conv2D(x[1], stride: 2), g => N(g, [2, 2, 6, 5], [2, 2, 3, 3]));
        yield return Row("conv2d padding 1", x => x[0].Conv2D(x[1], x[2], padding: 1), g => N(g, [2, 1, 4, 3], [2, 1, 3, 3], [2]));
        yield return Row("conv2d dilation 2", x => x[0].Conv2D(x[1], dilation: 2), g => N(g, [1, 2, 6, 6], [2, 2, 2, 3]));
        yield return Row("conv2d non-square tuple settings", x => x[0].Conv2D(x[1], x[2], (2, 1), (1, 0), (1, 2)), g => N(g, [2, 2, 5, 6], [3, 2, 3, 2], [3]));
        yield return Row("conv2d stride+pad+dilation", x => x[0].Conv2D(x[1], stride: 2, padding: 1, dilation: 2), g => N(g, [1, 2, 7, 6], [2, 2, 3, 3]));
        yield return Row("conv2d second order", x => Sq(x[0].Conv2D(x[1], x[2], stride: 2, padding: 1)), g => N(g, [2, 2, 5, 4], [2, 2, 3, 2], [2]), MaxOrder: 2);
        yield return Row("max_pool2d k2", x => x[0].MaxPool2D(2), g => Distinct(g, [2, 2, 4, 6]));
        yield return Row("max_pool2d k3 s1", x => Sq(x[0].MaxPool2D(3, 1)), g => Distinct(g, [1, 2, 5, 4]), MaxOrder: 2);
        yield return Row("max_pool2d k3 s2 pad1", x => Sq(x[0].MaxPool2D(3, 2, 1)), g => Distinct(g, [2, 1, 5, 6]), MaxOrder: 2);
        yield return Row("avg_pool2d k2", x => x[0].AvgPool2D(2), g => N(g, [2, 2, 4, 5]));
        yield return Row("avg_pool2d k3 s1 pad1", x => Sq(x[0].AvgPool2D(3, 1, 1)), g => N(g, [1, 2, 4, 4]), MaxOrder: 2);
        yield return Row("avg_pool2d k3 s2 pad1", x => x[0].AvgPool2D(3, 2, 1), g => N(g, [2, 1, 5, 6]));

        // Groups: two groups, depthwise (groups = channels, two filters each), and grouped with stride/padding to second order.
        yield return Row("conv2d groups 2", x => x[0].Conv2D(x[1], x[2], groups: 2), g => N(g, [2, 4, 4, 5], [6, 2, 3, 2], [6]));
        yield return Row("conv2d depthwise", x => x[0].Conv2D(x[1], padding: 1, groups: 3), g => N(g, [1, 3, 4, 4], [6, 1, 3, 3]));
        yield return Row("conv2d groups second order", x => Sq(x[0].Conv2D(x[1], null, (2, 1), (1, 0), (1, 2), groups: 2)), g => N(g, [1, 4, 5, 6], [2, 2, 2, 3]), MaxOrder: 2);

        // Transposed convolution = conv2d_input_grad: stride with output padding, rectangular settings, groups.
        yield return Row("conv_transpose2d stride 2 output_padding 1", x => x[0].ConvTranspose2D(x[1], x[2], stride: 2, padding: 1, outputPadding: 1), g => N(g, [2, 2, 3, 2], [2, 3, 3, 3], [3]));
        yield return Row("conv_transpose2d rectangular dilation", x => x[0].ConvTranspose2D(x[1], null, (2, 1), (0, 1), (1, 0), 1, (1, 2)), g => N(g, [1, 2, 3, 3], [2, 2, 2, 3]));
        yield return Row("conv_transpose2d groups second order", x => Sq(x[0].ConvTranspose2D(x[1], x[2], stride: 2, groups: 2)), g => N(g, [1, 4, 2, 3], [4, 1, 2, 2], [2]), MaxOrder: 2);

        // Reflect and replicate padding (pad_mode; its gradient pad_mode_grad is differentiated at second order).
        yield return Row("pad_mode reflect", x => Sq(x[0].Pad([(0, 0), (0, 0), (2, 1), (1, 2)], PaddingMode.Reflect)), g => N(g, [1, 2, 3, 4]), MaxOrder: 2);
        yield return Row("pad_mode replicate", x => Sq(x[0].Pad([(0, 0), (3, 1), (0, 2)], PaddingMode.Replicate)), g => N(g, [2, 2, 3]), MaxOrder: 2);

        // Rectangular pooling windows, ceil mode (a last window running past the input) and count_include_pad = false.
        yield return Row("max_pool2d rectangular ceil_mode", x => Sq(x[0].MaxPool2D((2, 3), (2, 2), (1, 1), ceilMode: true)), g => Distinct(g, [1, 2, 5, 6]), MaxOrder: 2);
        yield return Row("avg_pool2d rectangular ceil_mode", x => Sq(x[0].AvgPool2D((3, 2), (2, 2), (1, 0), ceilMode: true)), g => N(g, [2, 1, 6, 5]), MaxOrder: 2);
        yield return Row("avg_pool2d count_include_pad false", x => x[0].AvgPool2D(3, 2, 1, ceilMode: true, countIncludePad: false), g => N(g, [1, 2, 4, 5]));

        // Normalization ops (compositions): training with per-channel affine, evaluation with running statistics, layer_norm.
        yield return Row("batch_norm training", x => Sq(x[0].BatchNorm(null, null, x[1], x[2], training: true)), g => N(g, [4, 3, 2, 2], [3], [3]), MaxOrder: 2);
        yield return Row("batch_norm eval", x => x[0].BatchNorm(x[1], x[2].Square().Add(0.5), x[3], null), g => N(g, [3, 2, 2], [2], [2], [2]));
        yield return Row("layer_norm two axes", x => Sq(x[0].LayerNorm([2, 3], x[1], x[2])), g => N(g, [2, 2, 3], [2, 3], [2, 3]), MaxOrder: 2);
    }
}
