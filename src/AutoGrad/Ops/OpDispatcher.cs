using System.Runtime.CompilerServices;
using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Ops;

/// <summary>Watches every op applied on the current thread (the graph tracer uses it to capture a computation).</summary>
internal interface IOpObserver
{
    /// <summary>Called after the op ran, with its inputs and output.</summary>
    void OnApply(Op op, ReadOnlySpan<Tensor> inputs, Tensor output);

    /// <summary>
    /// True while tracing abstractly: ops are recorded without running their kernels (outputs are typed but hold no
    /// data), so a trace needs no data, neither advances a generator nor changes a model's parameters, buffers or
    /// optimizer state, and costs only type inference.
    /// </summary>
    bool IsAbstract { get; }
}

/// <summary>The single path every op takes: infer the type, run the kernel, record a node when gradients are needed.</summary>
internal static class OpDispatcher
{
    [ThreadStatic]
    private static IOpObserver? observer;

    /// <summary>
    /// For tests, on the current thread: fill outputs allocated without zeroing with NaN before the forward runs,
    /// so an op that claims <see cref="Op.ForwardWritesEveryElement"/> but skips an element shows it.
    /// </summary>
    [ThreadStatic]
    internal static bool PoisonUninitializedOutputs;

    /// <summary>The observer of the current thread, if a trace is under way.</summary>
    internal static IOpObserver? Observer
    {
        get => observer;
        set => observer = value;
    }

    [InlineArray(4)]
    private struct TypeBuffer
    {
        private TensorType element;
    }

    public static Tensor Apply(Op op, ReadOnlySpan<Tensor> inputs)
    {
        TypeBuffer buffer = default;
        Span<TensorType> types = inputs.Length <= 4 ? ((Span<TensorType>)buffer)[..inputs.Length] : new TensorType[inputs.Length];
        bool anyRequiresGrad = false;
        bool anyAbstract = false;
        for (int i = 0; i < inputs.Length; i++)
        {
            types[i] = inputs[i].Type;
            anyRequiresGrad |= inputs[i].RequiresGrad;
            anyAbstract |= inputs[i].IsAbstract;
        }

        bool tracing = observer is { IsAbstract: true };
        if (anyAbstract && !tracing)
        {
            // A value kept from a trace has no data; computing with it outside the trace would give garbage.
            throw new InvalidOperationException(
                $"{op.Name}: an input is a traced value (it has no data) used outside Graph.Trace; run the traced graph (Graph.Run or Compile) to get values.");
        }

        TensorType type = op.InferType(types);
        Tensor output;
        if (tracing)
        {
            // Abstract tracing: the type is all a trace needs; the kernel does not run.
            output = new Tensor(type, uninitialized: true) { birthWalk = ReverseWalk.CurrentWalk };
            output.storage.IsAbstract = true;
        }
        else if (op.ForwardWritesEveryElement)
        {
            output = new Tensor(type, uninitialized: true) { birthWalk = ReverseWalk.CurrentWalk };
            if (PoisonUninitializedOutputs)
            {
                output.FillUnchecked(double.NaN);
            }
        }
        else
        {
            output = new Tensor(type) { birthWalk = ReverseWalk.CurrentWalk };
        }

        OpEffect effect = op.Effect;
        if (effect == OpEffect.WritesState)
        {
            CheckWritable(op, inputs);
        }

        if (!output.IsAbstract)
        {
            op.Forward(inputs, output);
            if (effect == OpEffect.WritesState)
            {
                foreach (int i in op.WrittenInputs)
                {
                    inputs[i].storage.Version++;
                }
            }
        }

        if (AnomalyMode.IsEnabled && !output.IsAbstract)
        {
            AnomalyMode.CheckForward(op.Name, output);
        }

        if (anyRequiresGrad && op.IsDifferentiable && GradMode.IsEnabled)
        {
            output.gradFn = new Node(op, inputs, output, types.ToArray());
        }

        observer?.OnApply(op, inputs, output);
        return output;
    }

    /// <summary>A state write into a tensor that requires grad while gradients are recorded would go undifferentiated.</summary>
    private static void CheckWritable(Op op, ReadOnlySpan<Tensor> inputs)
    {
        foreach (int i in op.WrittenInputs)
        {
            Tensor target = inputs[i];
            if (GradMode.IsEnabled && target.RequiresGrad)
            {
                throw new InvalidOperationException(
                    $"{op.Name}: input {i} ('{target.Name ?? "unnamed"}' {target.Type}) requires grad and would be written in place while gradients " +
                    "are recorded (the change would not be differentiated). Run the update under `using (Autodiff.NoGrad())`.");
            }
        }
    }
}
