using AutoGrad.NN.Initializers;
using AutoGrad.Tensors;

namespace AutoGrad.Examples.Xor;

/// <summary>Initial values uniform in [low, high), as the from-scratch tutorials draw them (<c>np.random.rand(...) - 0.5</c>).</summary>
/// <param name="low">Smallest value.</param>
/// <param name="high">Upper bound (excluded).</param>
public sealed class UniformRange(double low, double high) : Initializer
{
    /// <inheritdoc/>
    public override Tensor Create(Shape shape, DType dtype = DType.Float32) => Tensor.Uniform(shape, low, high, Random, dtype);
}
