using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

// Temporary stand-ins for tensor methods being added on the ops branches; instance methods win over these extension
// methods, so each becomes dead as soon as the real op is merged, and this file is deleted then. Each is a composition
// of existing ops with constant (no-grad) masks, so gradients are right away from kinks.
internal static class PendingOps
{
    private static Tensor Map(Tensor x, Func<double, double> f)
    {
        var r = x.ZerosLike();
        for (int i = 0; i < x.Size; i++)
        {
            r.SetFlat(i, f(x.GetFlat(i)));
        }

        return r;
    }

    public static Tensor Relu(this Tensor x) => x * Map(x, v => v > 0 ? 1 : 0);

    public static Tensor Sigmoid(this Tensor x) => x.Neg().Exp().Add(1.0).RDiv(1.0);

    public static Tensor LeakyRelu(this Tensor x, double negativeSlope = 0.01) => x * Map(x, v => v > 0 ? 1 : negativeSlope);

    public static Tensor Elu(this Tensor x, double alpha = 1.0)
    {
        var pos = Map(x, v => v > 0 ? 1 : 0);
        var safe = x * (1.0 - pos);
        return (x * pos) + ((safe.Exp() - 1.0) * alpha * (1.0 - pos));
    }

    public static Tensor Softplus(this Tensor x)
    {
        // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|)
        return x.Relu() + x.Abs().Neg().Exp().Add(1.0).Log();
    }

    public static Tensor Gelu(this Tensor x)
    {
        var inner = (x + (x * x * x * 0.044715)) * Math.Sqrt(2 / Math.PI);
        return x * 0.5 * (inner.Tanh() + 1.0);
    }

    public static Tensor Abs(this Tensor x) => x * Map(x, v => v >= 0 ? 1 : -1);

    public static Tensor Square(this Tensor x) => x * x;

    public static Tensor Sqrt(this Tensor x) => x.Log().Mul(0.5).Exp();

    public static Tensor Clamp(this Tensor x, double? min, double? max)
    {
        var keep = Map(x, v => (min is null || v >= min) && (max is null || v <= max) ? 1 : 0);
        var fill = Map(x, v => min is not null && v < min ? min.Value : max is not null && v > max ? max.Value : 0);
        return (x * keep) + fill;
    }

    public static Tensor Mean(this Tensor x, int[]? axes = null, bool keepDims = false)
    {
        int count = 1;
        foreach (int a in ShapeChecks.Axes("mean", axes, x.Rank))
        {
            count *= x.Shape[a];
        }

        return x.Sum(axes, keepDims).Div(count);
    }

    public static Tensor Mean(this Tensor x, int axis, bool keepDims = false) => x.Mean([axis], keepDims);

    public static Tensor Var(this Tensor x, int[]? axes = null, bool keepDims = false, int correction = 0)
    {
        int count = 1;
        foreach (int a in ShapeChecks.Axes("var", axes, x.Rank))
        {
            count *= x.Shape[a];
        }

        var d = x - x.Mean(axes, keepDims: true);
        return (d * d).Sum(axes, keepDims).Div(count - correction);
    }

    public static Tensor Max(this Tensor x, int axis, bool keepDims = false)
    {
        var (outer, n, inner) = Split(x.Shape, axis);
        var dims = x.Shape.ToArray();
        dims[Shape.NormalizeAxis(axis, x.Rank, "max")] = 1;
        var r = Tensor.Zeros(dims, x.DType);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                double m = double.NegativeInfinity;
                for (int k = 0; k < n; k++)
                {
                    m = Math.Max(m, x.GetFlat((((o * n) + k) * inner) + i));
                }

                r.SetFlat((o * inner) + i, m);
            }
        }

        return keepDims ? r : r.Reshape(x.Shape.ToArray().Where((_, j) => j != Shape.NormalizeAxis(axis, x.Rank, "max")).ToArray());
    }

    public static Tensor ArgMax(this Tensor x, int axis, bool keepDims = false)
    {
        var (outer, n, inner) = Split(x.Shape, axis);
        var r = Tensor.Zeros([outer * inner], x.DType);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                for (int k = 1; k < n; k++)
                {
                    if (x.GetFlat((((o * n) + k) * inner) + i) > x.GetFlat((((o * n) + best) * inner) + i))
                    {
                        best = k;
                    }
                }

                r.SetFlat((o * inner) + i, best);
            }
        }

        int ax = Shape.NormalizeAxis(axis, x.Rank, "argmax");
        var dims = x.Shape.ToArray().ToList();
        if (keepDims)
        {
            dims[ax] = 1;
        }
        else
        {
            dims.RemoveAt(ax);
        }

        return r.Reshape([.. dims]);
    }

    public static Tensor LogSumExp(this Tensor x, int axis, bool keepDims = false)
    {
        Tensor m;
        using (Autodiff.NoGrad())
        {
            m = x.Detach().Max(axis, keepDims: true);
        }

        var r = (x - m).Exp().Sum(axis, keepDims: true).Log() + m;
        return keepDims ? r : r.Sum(axis);
    }

    public static Tensor LogSoftmax(this Tensor x, int axis = -1) => x - x.LogSumExp(axis, keepDims: true);

    public static Tensor Softmax(this Tensor x, int axis = -1) => x.LogSoftmax(axis).Exp();

    public static Tensor OneHot(this Tensor x, int numClasses)
    {
        var dims = x.Shape.ToArray().Append(numClasses).ToArray();
        var r = Tensor.Zeros(dims, x.DType);
        for (int i = 0; i < x.Size; i++)
        {
            r.SetFlat((i * numClasses) + (int)x.GetFlat(i), 1);
        }

        return r;
    }

    public static Tensor Greater(this Tensor x, double v) => Map(x, a => a > v ? 1 : 0);

    public static Tensor Transpose(this Tensor x)
    {
        if (x.Rank != 2)
        {
            throw new NotSupportedException("shim transpose: rank 2 only");
        }

        return Tensor.Eye(x.Shape[1], dtype: x.DType).MatMul(x, false, true);
    }

    public static Tensor IndexSelect(this Tensor x, int axis, Tensor indices)
    {
        if (axis != 0 || x.Rank != 2)
        {
            throw new NotSupportedException("shim index_select: axis 0 of a matrix only");
        }

        return indices.Reshape(-1).OneHot(x.Shape[0]).To(x.DType).MatMul(x);
    }

    public static Tensor Flatten(this Tensor x, int startAxis = 1)
    {
        var dims = x.Shape.ToArray();
        int rest = 1;
        for (int i = startAxis; i < dims.Length; i++)
        {
            rest *= dims[i];
        }

        return x.Reshape([.. dims.Take(startAxis), rest]);
    }

    public static Tensor Dropout(this Tensor x, double p, bool training, Generator? generator = null)
    {
        if (!training || p == 0)
        {
            return x;
        }

        generator ??= Generator.Default;
        var mask = x.ZerosLike();
        for (int i = 0; i < x.Size; i++)
        {
            mask.SetFlat(i, generator.NextDouble() >= p ? 1 / (1 - p) : 0);
        }

        return x * mask;
    }

    private static (int Outer, int N, int Inner) Split(Shape s, int axis)
    {
        int ax = Shape.NormalizeAxis(axis, s.Rank, "axis");
        int outer = 1, inner = 1;
        for (int i = 0; i < ax; i++)
        {
            outer *= s[i];
        }

        for (int i = ax + 1; i < s.Rank; i++)
        {
            inner *= s[i];
        }

        return (outer, s[ax], inner);
    }
}

internal static class PendingConvOps
{
    public static Tensor Conv2D(this Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1) =>
        throw new NotSupportedException("conv2d is not merged yet");

    public static Tensor MaxPool2D(this Tensor x, int kernelSize, int? stride = null, int padding = 0) =>
        throw new NotSupportedException("max_pool2d is not merged yet");

    public static Tensor AvgPool2D(this Tensor x, int kernelSize, int? stride = null, int padding = 0) =>
        throw new NotSupportedException("avg_pool2d is not merged yet");
}
