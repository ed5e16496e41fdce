namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    private static readonly double GeluScale = Math.Sqrt(2.0 / Math.PI);

    /// <summary>
    /// Gaussian error linear unit, tanh approximation: ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    /// A composite of mul, add and tanh (smooth everywhere, so the composed gradient is exact and differentiable again);
    /// promote it to a fused primitive only when a benchmark shows the gain.
    /// </summary>
    public Tensor Gelu()
    {
        Tensor inner = Add(Square().Mul(this).Mul(0.044715)).Mul(GeluScale);
        return Mul(0.5).Mul(inner.Tanh().Add(1.0));
    }
}
