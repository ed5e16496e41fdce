namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Elementwise x². A composite (x·x, no rule of its own): mul's rule already gives 2x·g through the reverse walk's
    /// accumulation of the two uses, and its second derivative 2 follows.
    /// </summary>
    public Tensor Square() => Mul(this);
}
