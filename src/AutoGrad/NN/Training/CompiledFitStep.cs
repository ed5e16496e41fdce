using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Training;

/// <summary>
/// What <c>Fit</c> runs per batch with <c>jit: true</c>: a <see cref="CompiledTrainingStep"/> of the model's forward over
/// all its inputs, the compiled loss (Σᵢ wᵢ·lossᵢ over the outputs) and the optimizer's update, which also returns the
/// predictions for the metrics. It is traced again only when a per-example input or target type, the optimizer, the
/// losses or <see cref="Model.DataParallel"/> changes (batch sizes share one graph); a per-example axis that changes (a
/// sequence length) is made symbolic then, so one more trace serves every length (<see cref="DynamicSpecs"/>).
/// </summary>
internal sealed class CompiledFitStep
{
    private readonly CompiledTrainingStep step;
    private readonly Optimizer optimizer;
    private readonly object losses;
    private readonly TensorSpec[] specs;
    private readonly DataParallel dataParallel;
    private readonly int inputCount;
    private readonly Tensor[] predictions;

    // True once a trace with dynamic (named) axes failed for this model: later shape changes retrace with fixed axes.
    private readonly bool staticShapes;

    private CompiledFitStep(Model model, Optimizer optimizer, object losses, Func<Tensor[], Tensor[], Tensor> totalLoss,
        ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> targets, TensorSpec[] specs, bool staticShapes)
    {
        // Lazily built layers create their parameters on a first call; the step must know every parameter before it is
        // traced, so build on one example first (evaluation mode, no gradients: no state changes). A model with several
        // inputs is functional, so its layers were built when it was defined.
        if (inputs.Length == 1)
        {
            model.Build(new Shape(inputs[0].Shape.ToArray()[1..]), inputs[0].DType);
        }

        this.optimizer = optimizer;
        this.losses = losses;
        inputCount = inputs.Length;
        this.specs = specs;
        this.staticShapes = staticShapes;
        predictions = new Tensor[targets.Length];
        dataParallel = model.DataParallel;
        step = CompiledTrainingStep.Create(
            (x, y) =>
            {
                Tensor[] outputs = model.CallCore(x);
                return [totalLoss(outputs, y), .. outputs];
            },
            specs[..inputCount], specs[inputCount..], optimizer, dataParallel);
    }

    /// <summary>The step for this batch: <paramref name="current"/> when it still fits, else a newly traced one.</summary>
    /// <param name="current">The step used for the previous batch, if any.</param>
    /// <param name="model">The model being trained.</param>
    /// <param name="optimizer">Its optimizer.</param>
    /// <param name="losses">Identifies the compiled losses and weights (the model's current array of them).</param>
    /// <param name="totalLoss">Σᵢ wᵢ·lossᵢ of the predictions against the targets, written with ops.</param>
    /// <param name="inputs">This batch's inputs.</param>
    /// <param name="targets">This batch's targets.</param>
    public static CompiledFitStep For(CompiledFitStep? current, Model model, Optimizer optimizer, object losses,
        Func<Tensor[], Tensor[], Tensor> totalLoss, ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> targets)
    {
        // Matched against the traced specs without building new ones: this runs for every batch.
        bool same = current is not null && ReferenceEquals(current.optimizer, optimizer) && ReferenceEquals(current.losses, losses)
            && current.dataParallel == model.DataParallel;
        if (same && DynamicSpecs.Matches(current!.specs, inputs, targets))
        {
            return current;
        }

        // Only a new trace gets here, so the joined arrays and the closure cost nothing per batch.
        Tensor[] inputArray = inputs.ToArray(), targetArray = targets.ToArray();
        return DynamicSpecs.Retrace(same ? current!.specs : null, current?.staticShapes ?? false, [.. inputArray, .. targetArray],
            (specs, staticShapes) => new CompiledFitStep(model, optimizer, losses, totalLoss, inputArray, targetArray, specs, staticShapes));
    }

    /// <summary>One training step: the loss before the update and the predictions (buffers valid until the next run; the
    /// returned array is reused too).</summary>
    public (double Loss, Tensor[] Predictions) Run(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> targets)
    {
        IReadOnlyList<Tensor> outputs = step.Run(inputs, targets);
        for (int i = 0; i < predictions.Length; i++)
        {
            predictions[i] = outputs[1 + i];
        }

        return (outputs[0].ItemDouble(), predictions);
    }

}
