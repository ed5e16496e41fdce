using AutoGrad.Tensors;

namespace AutoGrad.Ops;

/// <summary>
/// An op's forward prepared for fixed input and output types (<see cref="Op.Prepare"/>): whatever depends only on the
/// types (broadcast walks, loop bounds, scratch space) is worked out once, so a compiled graph runs the op many times
/// without allocating. It runs the op's own kernel; eager execution prepares and runs the same code.
/// </summary>
public abstract class OpKernel
{
    /// <summary>Computes the output from the inputs; they have the types the kernel was prepared for.</summary>
    public abstract void Run(ReadOnlySpan<Tensor> inputs, Tensor output);
}

/// <summary>The kernel of an op with nothing to prepare: its <see cref="Op.Forward"/>.</summary>
internal sealed class ForwardKernel(Op op) : OpKernel
{
    public override void Run(ReadOnlySpan<Tensor> inputs, Tensor output) => op.Forward(inputs, output);
}
