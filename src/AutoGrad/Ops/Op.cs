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
    /// True when <see cref="Forward"/> writes every element of its output whatever the input values and shapes
    /// (empty and rank-0 included): the eager dispatcher then allocates the output without zeroing it. Leave it false
    /// for a forward that accumulates into its output or skips elements.
    /// </summary>
    protected internal virtual bool ForwardWritesEveryElement => false;

    /// <summary>Which values the gradient rule needs; only those are kept alive by the tape.</summary>
    public virtual SavedValues Saves => SavedValues.AllInputs;

    /// <summary>Computes the output type from the input types, or throws an error that names the op and the shapes.</summary>
    public abstract TensorType InferType(ReadOnlySpan<TensorType> inputs);

    /// <summary>Computes the output into a freshly allocated (or reused) tensor of the inferred type.</summary>
    /// <param name="inputs">The input values.</param>
    /// <param name="output">The destination; its contents on entry are unspecified.</param>
    public abstract void Forward(ReadOnlySpan<Tensor> inputs, Tensor output);

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
