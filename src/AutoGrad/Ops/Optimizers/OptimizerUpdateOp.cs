using System.Numerics;
using AutoGrad.Kernels;
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

    // Update<T> bound once per element type: calling a generic virtual method goes through the runtime's lookup on every
    // call, a measurable share of a small compiled step (XOR's four updates).
    private readonly UpdateKernel updateSingle;
    private readonly UpdateKernel updateDouble;

    protected OptimizerUpdateOp(int slotCount)
    {
        SlotCount = slotCount;
        written = [0, .. Enumerable.Range(2, slotCount), 2 + slotCount];
        updateSingle = Update<float>;
        updateDouble = Update<double>;
    }

    private delegate void UpdateKernel(UpdateSlices inputs, long step, double learningRate);

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

    /// <summary>
    /// The fewest parameter elements per thread for which an update splits while <see cref="Parallelism.IsWarm"/> (a
    /// compiled step holds the workers spinning): 16,384, about 10 µs of Adam, whose square root and division per element
    /// make it compute-bound. Every element's result is the same however the elements are split (the kernels compute
    /// each one alone, the same way in the vector body and the tail), so the split never changes a bit. Cold workers cost
    /// a 40–50 µs wake-up, more than splitting saves, so updates then stay on the calling thread.
    /// </summary>
    internal const int WarmMinElementsPerThread = 16_384;

    public sealed override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        Tensor stepTensor = inputs[2 + SlotCount];
        Span<double> step = stepTensor.AsSpan<double>();
        step[0] += 1;
        double learningRate = inputs[3 + SlotCount].AsSpan<double>()[0];
        int size = inputs[0].Size;
        int threads = Parallelism.IsWarm ? Parallelism.ThreadsFor(size, WarmMinElementsPerThread) : 1;
        if (threads > 1)
        {
            UpdateJob.ForCurrentThread().Run(this, inputs, (long)step[0], learningRate, threads);
        }
        else
        {
            UpdateRange(inputs, 0, size, (long)step[0], learningRate);
        }
    }

    /// <summary>Updates elements [start, start + length) of the parameter and its slots.</summary>
    private void UpdateRange(ReadOnlySpan<Tensor> inputs, int start, int length, long step, double learningRate)
    {
        var slices = new UpdateSlices(inputs, start, length);
        if (inputs[0].DType == DType.Float32)
        {
            updateSingle(slices, step, learningRate);
        }
        else
        {
            updateDouble(slices, step, learningRate);
        }
    }

    /// <summary>Runs the kernel on the parameter (<c>inputs.Of&lt;T&gt;(0)</c>), the gradient (1) and the slots after them,
    /// each restricted to the same range of elements.</summary>
    /// <param name="inputs">The op's inputs, as spans over the range being updated.</param>
    /// <param name="step">This parameter's update count, counting this one from 1.</param>
    /// <param name="learningRate">The current learning rate.</param>
    protected abstract void Update<T>(UpdateSlices inputs, long step, double learningRate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>The same range of elements of each of an update's tensor inputs.</summary>
    protected readonly ref struct UpdateSlices
    {
        private readonly ReadOnlySpan<Tensor> inputs;
        private readonly int start;
        private readonly int length;

        internal UpdateSlices(ReadOnlySpan<Tensor> inputs, int start, int length)
        {
            this.inputs = inputs;
            this.start = start;
            this.length = length;
        }

        /// <summary>Input <paramref name="index"/>'s elements in the range.</summary>
        public Span<T> Of<T>(int index)
            where T : unmanaged => inputs[index].AsSpan<T>().Slice(start, length);
    }

    /// <summary>One update split over the pool by element ranges; one per calling thread, so no allocation.</summary>
    private sealed class UpdateJob : IRangeBody
    {
        [ThreadStatic]
        private static UpdateJob? t_instance;

        private readonly Tensor[] inputs = new Tensor[16];
        private OptimizerUpdateOp? op;
        private int count;
        private long step;
        private double learningRate;

        public static UpdateJob ForCurrentThread() => t_instance ??= new UpdateJob();

        public void Run(OptimizerUpdateOp updateOp, ReadOnlySpan<Tensor> arguments, long stepCount, double rate, int threads)
        {
            (op, count, step, learningRate) = (updateOp, arguments.Length, stepCount, rate);
            arguments.CopyTo(inputs);
            try
            {
                Parallelism.ForRanges(arguments[0].Size, this, threads);
            }
            finally
            {
                op = null;
                Array.Clear(inputs);
            }
        }

        public void Execute(int start, int length) => op!.UpdateRange(inputs.AsSpan(0, count), start, length, step, learningRate);
    }

    /// <summary>A fixed number of operations per element; every tensor input read and written once.</summary>
    public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output)
    {
        long size = inputs[0].Shape.Size;
        long bytes = size * inputs[0].DType.ElementSize() * (3 + (2L * SlotCount));
        return new(size * FlopsPerElement, bytes);
    }

    public override Tensor?[] Backward(GradientContext context) => throw new InvalidOperationException($"{Name} has no gradient.");
}
