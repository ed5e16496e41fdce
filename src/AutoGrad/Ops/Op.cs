using AutoGrad.Tensors;

namespace AutoGrad.Ops;

/// <summary>
/// The contract every operation fulfils, in one place: its printed name and attributes, its type (shape and dtype)
/// inference, its forward computation and its gradient rule. Adding an op means writing one subclass.
/// </summary>
/// <remarks>
/// The gradient rule (<see cref="Backward"/>) must be written with <see cref="Tensor"/> operations only, never raw
/// arrays, so that gradients are themselves recorded graphs: printable, differentiable again and compilable.
/// It may return a gradient larger than an input when the input was broadcast; the reverse walk reduces it back
/// to the input's shape in one central place, and sums contributions where an input is used several times.
/// </remarks>
public abstract class Op
{
    /// <summary>The printed name, a lowercase snake_case constant such as <c>exp</c> or <c>reduce_sum</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Attributes (axes, shapes, scalars) in a fixed order; part of the printed form and of op equality.</summary>
    public virtual IReadOnlyList<KeyValuePair<string, object>> Attributes => [];

    /// <summary>False for ops without a gradient (comparisons, argmax, one_hot): they never record a node.</summary>
    public virtual bool IsDifferentiable => true;

    /// <summary>
    /// Whether input <paramref name="input"/> may have <paramref name="dtype"/>. By default ops take floating-point
    /// tensors only, and the dispatcher refuses an integer or boolean input with a message naming the op and the dtype;
    /// ops defined on integers (arithmetic, comparisons, shaping, indices) accept more.
    /// </summary>
    /// <param name="input">The input's position.</param>
    /// <param name="dtype">Its dtype.</param>
    protected internal virtual bool AcceptsDType(int input, DType dtype) => dtype.IsFloatingPoint();

    /// <summary>
    /// The position from which on the inputs are brought to one dtype before the op runs, by
    /// <see cref="DTypeExtensions.Promote"/> (PyTorch's type promotion), with explicit <c>cast</c> ops that graphs show;
    /// null (the default) when the op takes its inputs as they are.
    /// </summary>
    internal virtual int? PromotedFrom => null;

    /// <summary>Whether promotion also turns integer and boolean operands into float32 (true division, as PyTorch's <c>/</c>).</summary>
    internal virtual bool PromotesToFloat => false;

    /// <summary>
    /// True for ops whose output is a probability (softmax, sigmoid): losses that expect logits warn when a prediction
    /// comes straight from one.
    /// </summary>
    internal virtual bool OutputsProbabilities => false;

    /// <summary>
    /// True when <see cref="Forward"/> writes every element of its output whatever the input values and shapes
    /// (empty and rank-0 included): the eager dispatcher then allocates the output without zeroing it. Leave it false
    /// for a forward that accumulates into its output or skips elements.
    /// </summary>
    protected internal virtual bool ForwardWritesEveryElement => false;

    /// <summary>
    /// What running the op does besides computing its output: <see cref="OpEffect.Pure"/> (the default),
    /// <see cref="OpEffect.Random"/> (fresh draws each time) or <see cref="OpEffect.WritesState"/> (writes
    /// <see cref="WrittenInputs"/> in place). Passes merge, fold and drop only pure ops.
    /// </summary>
    public virtual OpEffect Effect => OpEffect.Pure;

    /// <summary>For an op that writes state, the indices of the inputs its forward overwrites in place (their version
    /// counters are bumped after it runs). Empty for every other op.</summary>
    public virtual IReadOnlyList<int> WrittenInputs => [];

    /// <summary>
    /// True when the output holds input 0's elements in the same order under another shape (a reshape): a compiled graph
    /// lets it share the input's buffer, and two in a row collapse into one.
    /// </summary>
    public virtual bool ReinterpretsInput => false;

    /// <summary>True when the output is input 0 broadcast to the output shape (NumPy rules): a consumer that broadcasts
    /// its operands itself can read the input directly.</summary>
    public virtual bool IsBroadcast => false;

    /// <summary>For an op that only reorders axes: output axis i is input axis <c>AxisPermutation[i]</c>; else null.</summary>
    public virtual IReadOnlyList<int>? AxisPermutation => null;

    /// <summary>True when applying the op twice gives back the input (negation).</summary>
    public virtual bool IsInvolution => false;

    /// <summary>For a binary op, the value c with <c>x op c == x</c> for every x (1 for mul and div, 0 for add and sub).</summary>
    public virtual double? RightIdentity => null;

    /// <summary>For a binary op, the value c with <c>c op x == x</c> for every x (1 for mul, 0 for add).</summary>
    public virtual double? LeftIdentity => null;

    /// <summary>
    /// Attributes that are shapes and may therefore depend on the symbolic batch size (reshape's target shape): a graph
    /// traced with a batch axis stores them symbolically and re-creates the op for each batch size through
    /// <see cref="WithShapeAttribute"/>.
    /// </summary>
    public virtual IReadOnlyList<string> ShapeAttributes => [];

    /// <summary>This op with shape attribute <paramref name="key"/> set to <paramref name="value"/>; see <see cref="ShapeAttributes"/>.</summary>
    /// <exception cref="NotSupportedException">The op has no such shape attribute.</exception>
    public virtual Op WithShapeAttribute(string key, Shape value) =>
        throw new NotSupportedException($"Op '{Name}' has no shape attribute '{key}' that can depend on the batch size.");

    /// <summary>
    /// The work of one application at these input and output types. The default counts one flop per output element
    /// and every input and the output moved once; ops whose work differs (products, reductions, views) override it.
    /// </summary>
    public virtual OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output) => new(output.Shape.Size, DefaultBytes(inputs, output));

    /// <summary>Every input read once and the output written once.</summary>
    protected static long DefaultBytes(ReadOnlySpan<TensorType> inputs, TensorType output)
    {
        long bytes = (long)output.Shape.Size * output.DType.ElementSize();
        foreach (TensorType input in inputs)
        {
            bytes += (long)input.Shape.Size * input.DType.ElementSize();
        }

        return bytes;
    }

    /// <summary>
    /// The op's batching rule: given how each input depends on the examples of a batch (at least one is not
    /// <see cref="BatchRole.Shared"/>), how the output does — or null when the output mixes examples (a statistic over the
    /// batch axis, a softmax along it) or the op does not say. Null, the default, is always safe: the data-parallel split
    /// of a compiled training step (which reads this to prove that a batch's loss is the weighted sum of its halves'
    /// losses) is then simply not used. <see cref="BatchDependence"/> has the rules of elementwise, additive and scaling
    /// ops ready to return.
    /// </summary>
    /// <param name="inputs">How each input depends on the batch.</param>
    /// <param name="inputTypes">The input types at some batch size.</param>
    /// <param name="output">The output type at that batch size.</param>
    public virtual BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output)
    {
        // Views declared by traits need no rule of their own: a permutation moves the examples' axis, a broadcast shifts
        // it, and a reshape keeps example j's block of elements together when the examples' axis survives with every
        // axis before it holding as many elements as before.
        if (inputs.Length != 1 || inputs[0].Role != BatchRole.Rows)
        {
            return null;
        }

        int axis = inputs[0].Axis;
        Shape shape = inputTypes[0].Shape;
        if (AxisPermutation is { } permutation)
        {
            for (int i = 0; i < permutation.Count; i++)
            {
                if (permutation[i] == axis)
                {
                    return inputs[0].WithAxis(i);
                }
            }

            return null;
        }

        if (IsBroadcast)
        {
            return BatchDependence.Elementwise(inputs, inputTypes, output);
        }

        if (ReinterpretsInput)
        {
            // Example j owns a contiguous block of every run of the axes from the examples' axis on; an output axis with
            // the same elements before it and a whole multiple of B along it splits those runs into the same blocks.
            int batch = shape[axis] / inputs[0].Factor;
            long before = 1;
            for (int i = 0; i < axis; i++)
            {
                before *= shape[i];
            }

            long outputBefore = 1;
            for (int i = 0; i < output.Shape.Rank; i++)
            {
                if (outputBefore == before && output.Shape[i] % batch == 0 && output.Shape[i] > 0)
                {
                    return BatchDependence.Rows(i, output.Shape[i] / batch);
                }

                outputBefore *= output.Shape[i];
            }
        }

        return null;
    }

    /// <summary>Which values the gradient rule needs; only those are kept alive by the tape.</summary>
    public virtual SavedValues Saves => SavedValues.AllInputs;

    /// <summary>Computes the output type from the input types, or throws an error that names the op and the shapes.</summary>
    public abstract TensorType InferType(ReadOnlySpan<TensorType> inputs);

    /// <summary>Computes the output into a freshly allocated (or reused) tensor of the inferred type.</summary>
    /// <param name="inputs">The input values.</param>
    /// <param name="output">The destination; its contents on entry are unspecified.</param>
    public abstract void Forward(ReadOnlySpan<Tensor> inputs, Tensor output);

    /// <summary>
    /// The forward prepared for fixed input and output types, for a compiled graph that runs it many times. The default
    /// runs <see cref="Forward"/>; an op whose forward works out loop bounds, broadcast walks or scratch space from the
    /// types overrides this so that the kernel it returns allocates nothing per run (and its <see cref="Forward"/>
    /// prepares and runs that same kernel, so eager and compiled execution share one implementation).
    /// </summary>
    public virtual OpKernel Prepare(ReadOnlySpan<TensorType> inputs, TensorType output) => new ForwardKernel(this);

    /// <summary>Prepares the kernel for these tensors' types and runs it once: the <see cref="Forward"/> of an op whose
    /// kernel is what <see cref="Prepare"/> builds.</summary>
    protected void RunPrepared(ReadOnlySpan<Tensor> inputs, Tensor output) => Prepare(TypesOf(inputs), output.Type).Run(inputs, output);

    /// <summary>The types of <paramref name="inputs"/>.</summary>
    protected static TensorType[] TypesOf(ReadOnlySpan<Tensor> inputs)
    {
        var types = new TensorType[inputs.Length];
        for (int i = 0; i < types.Length; i++)
        {
            types[i] = inputs[i].Type;
        }

        return types;
    }

    /// <summary>The gradient rule: the gradient of the loss with respect to each input, or null where none flows.</summary>
    public abstract Tensor?[] Backward(GradientContext context);

    /// <summary>Runs the op on the given inputs, recording it on the tape when gradients are needed.</summary>
    public Tensor Apply(params ReadOnlySpan<Tensor> inputs) => OpDispatcher.Apply(this, inputs);

    /// <summary>Whether two ops compute the same function: same type and equal attributes (used by common-subexpression elimination).</summary>
    public virtual bool IsEquivalentTo(Op other)
    {
        if (other.GetType() != GetType() || other.Name != Name)
        {
            return false;
        }

        var mine = Attributes;
        var theirs = other.Attributes;
        if (mine.Count != theirs.Count)
        {
            return false;
        }

        for (int i = 0; i < mine.Count; i++)
        {
            if (mine[i].Key != theirs[i].Key || AttributeFormatter.Format(mine[i].Value) != AttributeFormatter.Format(theirs[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The op name and its attributes, e.g. <c>reduce_sum[axes=(1,), keep_dims=True]</c>.</summary>
    public override string ToString()
    {
        var attributes = Attributes;
        if (attributes.Count == 0)
        {
            return Name;
        }

        return Name + "[" + string.Join(", ", attributes.Select(a => $"{a.Key}={AttributeFormatter.Format(a.Value)}")) + "]";
    }
}

/// <summary>Which values an op's gradient rule needs, so the tape keeps those and nothing else alive.</summary>
[Flags]
public enum SavedValues
{
    /// <summary>Nothing: the rule needs only the incoming gradient and input types.</summary>
    None = 0,

    /// <summary>The first input.</summary>
    Input0 = 1,

    /// <summary>The second input.</summary>
    Input1 = 2,

    /// <summary>The third input.</summary>
    Input2 = 4,

    /// <summary>Every input.</summary>
    AllInputs = 1 << 20,

    /// <summary>The op's output (exp, tanh, sigmoid and sqrt reuse it).</summary>
    Output = 1 << 21,
}
