using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Training;

/// <summary>
/// What <c>Fit</c> runs per batch with <c>jit: true</c>: a <see cref="CompiledTrainingStep"/> of the model's forward,
/// the loss and the optimizer's update, which also returns the predictions for the metrics. It is traced again only
/// when the per-example input or target type, the optimizer, the loss or <see cref="Model.DataParallel"/> changes (batch
/// sizes share one graph).
/// </summary>
internal sealed class CompiledFitStep
{
    private readonly CompiledTrainingStep step;
    private readonly Optimizer optimizer;
    private readonly Loss loss;
    private readonly TensorSpec input;
    private readonly TensorSpec target;
    private readonly DataParallel dataParallel;

    private CompiledFitStep(Model model, Optimizer optimizer, Loss loss, TensorSpec input, TensorSpec target, Tensor example)
    {
        // Lazily built layers create their parameters on a first call; the step must know every parameter before it is
        // traced, so build on one example first (evaluation mode, no gradients: no state changes).
        model.Build(new Shape(example.Shape.ToArray()[1..]), example.DType);
        this.optimizer = optimizer;
        this.loss = loss;
        this.input = input;
        this.target = target;
        dataParallel = model.DataParallel;
        step = CompiledTrainingStep.Create(
            (x, y) =>
            {
                Tensor prediction = model.Call(x);
                return [loss.Compute(prediction, y), prediction];
            },
            input, target, optimizer, dataParallel);
    }

    /// <summary>The step for this batch: <paramref name="current"/> when it still fits, else a newly traced one.</summary>
    public static CompiledFitStep For(CompiledFitStep? current, Model model, Optimizer optimizer, Loss loss, Tensor x, Tensor y)
    {
        // Matched against the traced specs without building new ones: this runs for every batch.
        if (current is not null && ReferenceEquals(current.optimizer, optimizer) && ReferenceEquals(current.loss, loss) && current.dataParallel == model.DataParallel
            && current.input.MatchBatch(x.Type) > 0 && current.target.MatchBatch(y.Type) > 0)
        {
            return current;
        }

        return new CompiledFitStep(model, optimizer, loss, Batched(x), Batched(y), x);
    }

    /// <summary>One training step: the loss before the update and the predictions (valid until the next run).</summary>
    public (double Loss, Tensor Prediction) Run(Tensor x, Tensor y)
    {
        IReadOnlyList<Tensor> outputs = step.Run(x, y);
        return (outputs[0].ItemDouble(), outputs[1]);
    }

    private static TensorSpec Batched(Tensor t) => new([Dim.B, .. t.Shape.ToArray()[1..].Select(Dim.Fixed)], t.DType);
}
