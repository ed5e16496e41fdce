using System.Numerics;
using AutoGrad.Ops.State;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Optimizers;

/// <summary>
/// The base of the fused optimizer updates: one op per optimizer that reads a parameter, its gradient, its state slots,
/// its step count and the learning rate — inputs <c>(p, g, slot₀ … slotₖ₋₁, step, lr)</c> — and overwrites the parameter,
/// the slots and the step count in place with the kernel in <c>Kernels/OptimizerUpdates</c>. Eager
/// <c>Optimizer.Step()</c> applies exactly these ops and a traced training step records them, so every optimizer has
/// one implementation. The step count and the learning rate are float64 scalars that live beside the state, so a
/// learning-rate schedule changes a value, never the graph.
/// </summary>
internal abstract class OptimizerUpdateOp : Op
{
    private readonly int[] written;

    protected OptimizerUpdateOp(int slotCount)
    {
        SlotCount = slotCount;
        written = [0, .. Enumerable.Range(2, slotCount), 2 + slotCount];
    }

    /// <summary>The number of state slots between the gradient and the step count.</summary>
    public int SlotCount { get; }

    /// <summary>Floating-point operations per parameter element, for <see cref="Cost"/>.</summary>
    protected abstract int FlopsPerElement { get; }

    public override OpEffect Effect => OpEffect.WritesState;

    public override IReadOnlyList<int> WrittenInputs => written;

    public override bool IsDifferentiable => false;

    public override SavedValues Saves => SavedValues.None;

    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        int expected = SlotCount + 4;
        if (inputs.Length != expected)
        {
            throw new ArgumentException($"{Name}: expected {expected} inputs (parameter, gradient, {SlotCount} state slot(s), step, learning rate), got {inputs.Length}.");
        }

        TensorType p = inputs[0];
        for (int i = 1; i < 2 + SlotCount; i++)
        {
            if (inputs[i] != p)
            {
                string what = i == 1 ? "the gradient" : $"state slot {i - 2}";
                throw new ArgumentException($"{Name}: {what} is {inputs[i]} but the parameter is {p}.");
            }
        }

        for (int i = 2 + SlotCount; i < expected; i++)
        {
            if (inputs[i].Shape.Rank != 0 || inputs[i].DType != DType.Float64)
            {
                string what = i == 2 + SlotCount ? "step count" : "learning rate";
                throw new ArgumentException($"{Name}: the {what} must be a float64 scalar, got {inputs[i]}.");
            }
        }

        return StateToken.Type(p.DType);
    }

    public sealed override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        Tensor stepTensor = inputs[2 + SlotCount];
        Span<double> step = stepTensor.AsSpan<double>();
        step[0] += 1;
        double learningRate = inputs[3 + SlotCount].AsSpan<double>()[0];
        if (inputs[0].DType == DType.Float32)
        {
            Update<float>(inputs, (long)step[0], learningRate);
        }
        else
        {
            Update<double>(inputs, (long)step[0], learningRate);
        }
    }

    /// <summary>Runs the kernel on <c>inputs[0]</c> (parameter), <c>inputs[1]</c> (gradient) and the slots after them.</summary>
    /// <param name="inputs">The op's inputs.</param>
    /// <param name="step">This parameter's update count, counting this one from 1.</param>
    /// <param name="learningRate">The current learning rate.</param>
    protected abstract void Update<T>(ReadOnlySpan<Tensor> inputs, long step, double learningRate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>A fixed number of operations per element; every tensor input read and written once.</summary>
    public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output)
    {
        long size = inputs[0].Shape.Size;
        long bytes = size * inputs[0].DType.ElementSize() * (3 + (2L * SlotCount));
        return new(size * FlopsPerElement, bytes);
    }

    public override Tensor?[] Backward(GradientContext context) => throw new InvalidOperationException($"{Name} has no gradient.");
}
