using AutoGrad.Tensors;

namespace AutoGrad.NN.Initializers;

/// <summary>Glorot/Xavier uniform: U(−a, a) with a = √(6 / (fanIn + fanOut)). The Dense and Conv2D default.</summary>
public sealed class GlorotUniform(long? seed = null) : Initializer(seed)
{
    /// <inheritdoc/>
    public override Tensor Create(Shape shape, DType dtype = DType.Float32)
    {
        var (fanIn, fanOut) = Fans(shape);
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        return Tensor.Uniform(shape, -limit, limit, Random, dtype);
    }
}

/// <summary>Glorot/Xavier normal: N(0, σ²) with σ = √(2 / (fanIn + fanOut)).</summary>
public sealed class GlorotNormal(long? seed = null) : Initializer(seed)
{
    /// <inheritdoc/>
    public override Tensor Create(Shape shape, DType dtype = DType.Float32)
    {
        var (fanIn, fanOut) = Fans(shape);
        return Tensor.RandN(shape, Random, dtype, 0.0, Math.Sqrt(2.0 / (fanIn + fanOut)));
    }
}

/// <summary>He/Kaiming uniform (for ReLU): U(−a, a) with a = √(6 / fanIn).</summary>
public sealed class HeUniform(long? seed = null) : Initializer(seed)
{
    /// <inheritdoc/>
    public override Tensor Create(Shape shape, DType dtype = DType.Float32)
    {
        double limit = Math.Sqrt(6.0 / Fans(shape).FanIn);
        return Tensor.Uniform(shape, -limit, limit, Random, dtype);
    }
}

/// <summary>He/Kaiming normal (for ReLU): N(0, σ²) with σ = √(2 / fanIn).</summary>
public sealed class HeNormal(long? seed = null) : Initializer(seed)
{
    /// <inheritdoc/>
    public override Tensor Create(Shape shape, DType dtype = DType.Float32) =>
        Tensor.RandN(shape, Random, dtype, 0.0, Math.Sqrt(2.0 / Fans(shape).FanIn));
}

/// <summary>Every element the same value.</summary>
public sealed class Constant(double value) : Initializer
{
    /// <summary>The value.</summary>
    public double Value { get; } = value;

    /// <inheritdoc/>
    public override Tensor Create(Shape shape, DType dtype = DType.Float32) => Tensor.Full(shape, Value, dtype);
}

/// <summary>Zeros (the bias default).</summary>
public sealed class Zeros : Initializer
{
    /// <inheritdoc/>
    public override Tensor Create(Shape shape, DType dtype = DType.Float32) => Tensor.Zeros(shape, dtype);
}

/// <summary>Ones (the batch/layer-norm scale default).</summary>
public sealed class Ones : Initializer
{
    /// <inheritdoc/>
    public override Tensor Create(Shape shape, DType dtype = DType.Float32) => Tensor.Ones(shape, dtype);
}

/// <summary>Values uniform in [minValue, maxValue) (Keras' <c>RandomUniform</c>; the from-scratch tutorials' <c>np.random.rand(...) - 0.5</c>).</summary>
/// <param name="minValue">Smallest value.</param>
/// <param name="maxValue">Upper bound (excluded).</param>
/// <param name="seed">Optional seed of the initializer's own generator.</param>
public sealed class RandomUniform(double minValue = -0.05, double maxValue = 0.05, long? seed = null) : Initializer(seed)
{
    /// <inheritdoc/>
    public override Tensor Create(Shape shape, DType dtype = DType.Float32) => Tensor.Uniform(shape, minValue, maxValue, Random, dtype);
}
