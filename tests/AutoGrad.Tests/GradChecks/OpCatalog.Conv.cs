using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

public static partial class OpCatalog
{
    /// <summary>conv2d in every setting (stride, padding, dilation, bias, non-square), max and average pooling.</summary>
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
    }
}
