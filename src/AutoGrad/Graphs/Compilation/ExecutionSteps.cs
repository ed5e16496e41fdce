using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// One node of a compiled plan: the op's own kernel, prepared once for the node's types (<see cref="Op.Prepare"/>), its
/// argument tensors and its planned output buffer. The argument array is refreshed on each call where it holds graph
/// inputs; everything else is bound when the plan is built, so executing allocates nothing. A node that writes state
/// writes straight into the captured parameter and state tensors, whose versions it then bumps.
/// </summary>
internal sealed class ExecutionStep
{
    private readonly OpKernel kernel;
    private readonly Tensor[] written;
    private readonly bool clear;

    public ExecutionStep(Op op, Tensor[] arguments, Tensor output)
    {
        kernel = op.Prepare([.. arguments.Select(a => a.Type)], output.Type);
        Arguments = arguments;
        Output = output;
        written = [.. op.WrittenInputs.Select(i => arguments[i])];
        // Eager execution hands such an op a zeroed output; a planned buffer holds the last run's values.
        clear = !op.ForwardWritesEveryElement;
    }

    /// <summary>The argument tensors; entries that are graph inputs are rebound on every call.</summary>
    public Tensor[] Arguments { get; }

    public Tensor Output { get; }

    public void Execute()
    {
        if (clear)
        {
            Output.ClearElements();
        }

        kernel.Run(Arguments, Output);
        foreach (Tensor target in written)
        {
            target.storage.Version++;
        }
    }
}
