using AutoGrad.Differentiation;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// A whole training step — forward, gradient and the optimizer's update — traced once into one graph, optimized and
/// compiled. The update is the optimizer's own: tracing records the same clipping ops and fused update ops that
/// <see cref="Optimizer.Step"/> applies eagerly, and the compiled graph runs them, writing the parameters and the
/// optimizer state in place. A model trained this way and one trained eagerly hold the same values, and the optimizer's
/// state can be saved and loaded with the model either way.
/// </summary>
/// <remarks>
/// The learning rate is read from the optimizer at every step (a schedule never retraces). If the optimizer's state
/// tensors are replaced (a checkpoint loaded into a fresh optimizer), the next <see cref="Step"/> traces again.
/// Not thread-safe: one step object per thread.
/// </remarks>
public sealed class CompiledTrainingStep
{
    private readonly Func<Tensor, Tensor, Tensor[]> loss;
    private readonly TensorSpec input;
    private readonly TensorSpec target;
    private readonly IReadOnlyList<Tensor> parameters;
    private int stateVersion;

    private CompiledTrainingStep(Func<Tensor, Tensor, Tensor[]> loss, TensorSpec input, TensorSpec target, Optimizer optimizer)
    {
        this.loss = loss;
        this.input = input;
        this.target = target;
        Optimizer = optimizer;
        parameters = optimizer.Parameters;
        (Graph, Executable) = Build();
    }

    /// <summary>The traced step (before optimization): its output is the loss; its update nodes write the parameters and the optimizer state.</summary>
    public Graph Graph { get; private set; }

    /// <summary>The compiled, optimized step.</summary>
    public CompiledGraph Executable { get; private set; }

    /// <summary>The optimizer whose update the step runs (and whose state it updates).</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Traces and compiles a training step.</summary>
    /// <param name="loss">The loss of a batch: (inputs, targets) → scalar, using the parameters.</param>
    /// <param name="input">The type of an input batch, e.g. <c>TensorSpec.Batched(784)</c>.</param>
    /// <param name="target">The type of a target batch.</param>
    /// <param name="optimizer">The optimizer: its parameters are trained with its update rule, clipping and learning rate.</param>
    /// <exception cref="ArgumentException">A parameter is unnamed, or the loss is not a scalar.</exception>
    public static CompiledTrainingStep Create(Func<Tensor, Tensor, Tensor> loss, TensorSpec input, TensorSpec target, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return Create((x, y) => [loss(x, y)], input, target, optimizer);
    }

    /// <summary>A step whose function returns the loss first and then extra outputs (predictions) that <see cref="Run"/> returns too.</summary>
    internal static CompiledTrainingStep Create(Func<Tensor, Tensor, Tensor[]> loss, TensorSpec input, TensorSpec target, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(optimizer);
        foreach (Tensor p in optimizer.Parameters)
        {
            if (p.Name is null)
            {
                throw new ArgumentException(
                    $"CompiledTrainingStep.Create: every parameter must be named (layers name theirs by path); a {p.Type} parameter has no Name.", nameof(optimizer));
            }
        }

        return new CompiledTrainingStep(loss, input, target, optimizer);
    }

    /// <summary>Runs one step on a batch and returns the loss before the update.</summary>
    /// <exception cref="ArgumentException">The batch does not match the traced types.</exception>
    public double Step(Tensor input, Tensor target) => Run(input, target)[0].ItemDouble();

    /// <summary>One step; the outputs (the loss, then any extra outputs) are the executable's buffers, valid until the next run.</summary>
    internal IReadOnlyList<Tensor> Run(Tensor input, Tensor target)
    {
        if (stateVersion != Optimizer.StateVersion)
        {
            (Graph, Executable) = Build();
        }

        Optimizer.BeginStep();
        IReadOnlyList<Tensor> outputs = Executable.Run(input, target);
        Optimizer.EndStep();
        return outputs;
    }

    private (Graph Graph, CompiledGraph Executable) Build()
    {
        Optimizer.CreateMissingState(parameters);
        stateVersion = Optimizer.StateVersion;
        Tensor[] StepFunction(Tensor[] batch)
        {
            Tensor[] outputs;
            Tensor value;
            Tensor?[] gradients;
            using (Autodiff.EnableGrad())
            {
                outputs = loss(batch[0], batch[1]);
                value = outputs[0];
                if (value.Rank != 0)
                {
                    throw new ArgumentException($"CompiledTrainingStep: the loss must be a scalar, got {value.Type}.");
                }

                gradients = ReverseWalk.Run(value, value.OnesLike(), [.. parameters], retainGraph: false, createGraph: false, allowUnused: true)!;
            }

            using (Autodiff.NoGrad())
            {
                Optimizer.Apply(parameters, gradients);
            }

            return outputs;
        }

        Graph graph = Graph.Trace(StepFunction, input, target);
        return (graph, graph.Compile());
    }
}
