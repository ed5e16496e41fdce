using AutoGrad.Graphs;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs;

/// <summary>
/// Small models built from raw ops with parameters named by layer path, as the nn layers name them. Each model is a
/// function of its inputs plus its parameters; the same seed always gives the same parameter values.
/// </summary>
internal sealed class TestModel
{
    private TestModel(string name, TensorSpec[] inputs, Tensor[] parameters, Func<Tensor[], Tensor> forward, Func<int, Generator, Tensor[]> batch)
    {
        Name = name;
        Inputs = inputs;
        Parameters = parameters;
        Forward = forward;
        Batch = batch;
    }

    public string Name { get; }

    public TensorSpec[] Inputs { get; }

    public Tensor[] Parameters { get; }

    /// <summary>The model's scalar loss (or, for Dense+ReLU, its activations).</summary>
    public Func<Tensor[], Tensor> Forward { get; }

    /// <summary>A random input batch of the given size.</summary>
    public Func<int, Generator, Tensor[]> Batch { get; }

    public static readonly string[] Names = ["dense_relu", "softmax_cross_entropy", "xor", "mnist_mlp", "custom_layer", "small_cnn"];

    public Graph Trace() => Graph.Trace(x => [Forward(x)], Inputs);

    public static TestModel Create(string name, DType dtype = DType.Float32) => name switch
    {
        "dense_relu" => DenseRelu(dtype),
        "softmax_cross_entropy" => SoftmaxCrossEntropy(dtype),
        "xor" => Xor(dtype),
        "mnist_mlp" => MnistMlp(dtype),
        "custom_layer" => CustomLayer(dtype),
        "small_cnn" => SmallCnn(dtype),
        _ => throw new ArgumentException(name),
    };

    public static Tensor Parameter(string name, Shape shape, Generator generator, DType dtype, double scale = 0.5) =>
        Tensor.Uniform(shape, -scale, scale, generator, dtype).RequireGrad().Also(name);

    /// <summary>relu(x·kernel + bias), x: [B,4] → [B,3].</summary>
    public static TestModel DenseRelu(DType dtype = DType.Float32)
    {
        var g = new Generator(1);
        Tensor w = Parameter("dense1.kernel", [4, 3], g, dtype), b = Parameter("dense1.bias", [3], g, dtype);
        return new TestModel("dense_relu", [TensorSpec.Batched(dtype, 4)], [w, b], x => x[0].MatMul(w).Add(b).Relu(),
            (n, gen) => [Tensor.RandN([n, 4], gen, dtype)]);
    }

    /// <summary>Mean over the batch of −∑ onehot·log_softmax(logits), logits from one dense layer: x [B,6], targets [B,5].</summary>
    public static TestModel SoftmaxCrossEntropy(DType dtype = DType.Float32)
    {
        var g = new Generator(2);
        Tensor w = Parameter("logits.kernel", [6, 5], g, dtype), b = Parameter("logits.bias", [5], g, dtype);
        return new TestModel("softmax_cross_entropy", [TensorSpec.Batched(dtype, 6), TensorSpec.Batched(dtype, 5)], [w, b],
            x => CrossEntropy(x[0].MatMul(w).Add(b), x[1]),
            (n, gen) => [Tensor.RandN([n, 6], gen, dtype), OneHot(n, 5, gen, dtype)]);
    }

    /// <summary>The XOR net: 2-3-1 with tanh on both layers, mean squared error against targets [B,1].</summary>
    public static TestModel Xor(DType dtype = DType.Float32)
    {
        var g = new Generator(3);
        Tensor w1 = Parameter("dense1.kernel", [2, 3], g, dtype, 1.0), b1 = Parameter("dense1.bias", [3], g, dtype);
        Tensor w2 = Parameter("dense2.kernel", [3, 1], g, dtype, 1.0), b2 = Parameter("dense2.bias", [1], g, dtype);
        return new TestModel("xor", [TensorSpec.Batched(dtype, 2), TensorSpec.Batched(dtype, 1)], [w1, b1, w2, b2],
            x =>
            {
                Tensor y = x[0].MatMul(w1).Add(b1).Tanh().MatMul(w2).Add(b2).Tanh();
                Tensor error = y.Sub(x[1]);
                return error.Mul(error).Mean();
            },
            (n, gen) => [Tensor.RandInt(0, 2, [n, 2], gen, dtype), Tensor.RandInt(0, 2, [n, 1], gen, dtype)]);
    }

    /// <summary>The MNIST MLP: 784-128-10 with relu, softmax cross-entropy against one-hot targets.</summary>
    public static TestModel MnistMlp(DType dtype = DType.Float32)
    {
        var g = new Generator(4);
        Tensor w1 = Parameter("dense1.kernel", [784, 128], g, dtype, 0.05), b1 = Parameter("dense1.bias", [128], g, dtype, 0.05);
        Tensor w2 = Parameter("dense2.kernel", [128, 10], g, dtype, 0.1), b2 = Parameter("dense2.bias", [10], g, dtype, 0.1);
        return new TestModel("mnist_mlp", [TensorSpec.Batched(dtype, 784), TensorSpec.Batched(dtype, 10)], [w1, b1, w2, b2],
            x => CrossEntropy(x[0].MatMul(w1).Add(b1).Relu().MatMul(w2).Add(b2), x[1]),
            (n, gen) => [Tensor.Rand([n, 784], gen, dtype), OneHot(n, 10, gen, dtype)]);
    }

    /// <summary>
    /// A user's custom layer written without derivatives: RMS normalization with a learned gain,
    /// y = x·gain / √(mean(x², last axis) + ε), then summed to a scalar.
    /// </summary>
    public static TestModel CustomLayer(DType dtype = DType.Float32)
    {
        var g = new Generator(5);
        Tensor gain = Parameter("rms_norm.gain", [8], g, dtype).Also("rms_norm.gain");
        return new TestModel("custom_layer", [TensorSpec.Batched(dtype, 8)], [gain],
            x => RmsNorm(x[0], gain).Sum(),
            (n, gen) => [Tensor.RandN([n, 8], gen, dtype)]);
    }

    /// <summary>
    /// The MNIST <c>cnn</c>'s pattern at toy size: conv 3×3 (1 → 4 channels, with bias) + ReLU, 2×2 max pooling, a dense
    /// layer to 3 classes, softmax cross-entropy against one-hot targets; x: [B,1,6,6].
    /// </summary>
    public static TestModel SmallCnn(DType dtype = DType.Float32)
    {
        var g = new Generator(6);
        Tensor w = Parameter("conv1.kernel", [4, 1, 3, 3], g, dtype), b = Parameter("conv1.bias", [4], g, dtype);
        Tensor w2 = Parameter("dense1.kernel", [16, 3], g, dtype), b2 = Parameter("dense1.bias", [3], g, dtype);
        return new TestModel("small_cnn", [TensorSpec.Batched(dtype, 1, 6, 6), TensorSpec.Batched(dtype, 3)], [w, b, w2, b2],
            x => CrossEntropy(x[0].Conv2D(w, b).Relu().MaxPool2D(2).Reshape(-1, 16).MatMul(w2).Add(b2), x[1]),
            (n, gen) => [Tensor.RandN([n, 1, 6, 6], gen, dtype), OneHot(n, 3, gen, dtype)]);
    }

    public static Tensor RmsNorm(Tensor x, Tensor gain) => x.Mul(gain).Div(x.Mul(x).Mean(-1, keepDims: true).Add(1e-5).Sqrt());

    public static Tensor CrossEntropy(Tensor logits, Tensor oneHot) => oneHot.Mul(logits.LogSoftmax(-1)).Sum(-1).Mean().Neg();

    public static Tensor OneHot(int n, int classes, Generator generator, DType dtype)
    {
        var t = Tensor.Zeros([n, classes], dtype);
        for (int i = 0; i < n; i++)
        {
            t[i, (int)generator.NextInt(0, classes)] = 1;
        }

        return t;
    }
}

internal static class TensorTestExtensions
{
    public static Tensor Also(this Tensor tensor, string name)
    {
        tensor.Name = name;
        return tensor;
    }

    /// <summary>Largest |a−b| / max(1, |b|) over all elements.</summary>
    public static double MaxRelativeError(this Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        double[] a = actual.ToArray<double>(), e = expected.ToArray<double>();
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(a[i] - e[i]) / Math.Max(1.0, Math.Abs(e[i])));
        }

        return worst;
    }
}
