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
        if (op.PromotedFrom is int first)
        {
            inputs = Promote(op, inputs, first);
        }

        for (int i = 0; i < inputs.Length; i++)
        {
            DType dtype = inputs[i].DType;
            if (!op.AcceptsDType(i, dtype))
            {
                throw new ArgumentException(
                    $"{op.Name}: input {i} is {inputs[i].Type}, but {op.Name} is not defined for {dtype.ShortName()} tensors" +
                    (dtype.IsFloatingPoint() ? "." : "; convert it first, e.g. x.To(DType.Float32)."));
            }
        }

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

        TensorType type;
        if (tracing)
        {
            // Shape rules read every extent; they cannot change which ops a trace records, so they are not guarded.
            using var library = SymbolicExtents.Library();
            type = op.InferType(types);
        }
        else
        {
            type = op.InferType(types);
        }

        Tensor output;
        if (tracing)
        {
            // Abstract tracing: the type is all a trace needs; the kernel does not run.
            output = Tensor.Abstract(type);
            output.birthWalk = ReverseWalk.CurrentWalk;
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

        // Integer and boolean results carry no gradient (a cast to i64, an argmax), as in PyTorch.
        if (anyRequiresGrad && op.IsDifferentiable && GradMode.IsEnabled && type.DType.IsFloatingPoint())
        {
            output.gradFn = new Node(op, inputs, output, types.ToArray());
        }

        observer?.OnApply(op, inputs, output);
        return output;
    }

    /// <summary>A state write into a tensor that requires grad while gradients are recorded would go undifferentiated.</summary>
    /// <summary>Brings inputs[first..] to their promoted dtype with recorded casts; the span itself when they already agree.</summary>
    private static ReadOnlySpan<Tensor> Promote(Op op, ReadOnlySpan<Tensor> inputs, int first)
    {
        TensorType common = inputs[first].Type;
        for (int i = first + 1; i < inputs.Length; i++)
        {
            // Only whether an operand is 0-D matters to promotion, so the higher-rank shape stands for the operands so far.
            Shape shape = common.Shape.Rank >= inputs[i].Shape.Rank ? common.Shape : inputs[i].Shape;
            common = new TensorType(shape, DTypeExtensions.Promote(common, inputs[i].Type));
        }

        DType target = op.PromotesToFloat && !common.DType.IsFloatingPoint() ? DType.Float32 : common.DType;
        bool same = true;
        for (int i = first; i < inputs.Length; i++)
        {
            same &= inputs[i].DType == target;
        }

        if (same)
        {
            return inputs;
        }

        var promoted = inputs.ToArray();
        for (int i = first; i < promoted.Length; i++)
        {
            promoted[i] = promoted[i].To(target);
        }

        return promoted;
    }

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
