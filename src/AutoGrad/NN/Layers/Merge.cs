using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// A layer that combines several tensors into one (Keras' merging layers): the building blocks of residual connections,
/// two-tower models and feature fusion in functional models. Called on several inputs, eager
/// (<c>layer.Call(a, b)</c>) or symbolic (<c>layer.Call(x, h)</c>); calling it on one tensor is an error.
/// </summary>
public abstract class Merge : Layer
{
    /// <summary>Creates the layer with an optional name.</summary>
    protected Merge(string? name)
        : base(name)
    {
    }

    /// <summary>The smallest number of inputs the layer accepts (2 by default).</summary>
    protected virtual int MinInputs => 2;

    /// <summary>Always throws: a merge layer takes several inputs.</summary>
    /// <exception cref="ArgumentException">Always.</exception>
    public sealed override Tensor Forward(Tensor input) =>
        throw new ArgumentException($"{GetType().Name} '{Name}' merges at least {MinInputs} inputs; call it with several (layer.Call(a, b)), not one.");

    /// <summary>The forward pass over the inputs, in order.</summary>
    public abstract Tensor Forward(IReadOnlyList<Tensor> inputs);

    /// <inheritdoc/>
    internal sealed override Tensor[] ForwardAll(IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count < MinInputs)
        {
            throw new ArgumentException($"{GetType().Name} '{Name}' merges at least {MinInputs} inputs; it was called with {inputs.Count}.");
        }

        return [Forward(inputs)];
    }

    /// <summary>Throws unless every input has the shape of the first (elementwise merges do not broadcast, as in Keras).</summary>
    private protected void RequireSameShapes(IReadOnlyList<Tensor> inputs)
    {
        for (int i = 1; i < inputs.Count; i++)
        {
            if (inputs[i].Shape != inputs[0].Shape)
            {
                throw new ArgumentException(
                    $"{GetType().Name} '{Name}': input {i} has shape {inputs[i].Shape} but input 0 has {inputs[0].Shape}; " +
                    "the inputs of an elementwise merge must have equal shapes.");
            }
        }
    }
}

/// <summary>The elementwise sum of its inputs (residual connections): <c>y = x₀ + x₁ + …</c>.</summary>
/// <param name="name">The layer name; <c>add</c> when null.</param>
public sealed class Add(string? name = null) : Merge(name)
{
    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        RequireSameShapes(inputs);
        Tensor sum = inputs[0];
        for (int i = 1; i < inputs.Count; i++)
        {
            sum += inputs[i];
        }

        return sum;
    }
}

/// <summary>The difference of exactly two inputs: <c>y = x₀ − x₁</c>.</summary>
/// <param name="name">The layer name; <c>subtract</c> when null.</param>
public sealed class Subtract(string? name = null) : Merge(name)
{
    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count != 2)
        {
            throw new ArgumentException($"Subtract '{Name}' takes exactly 2 inputs; it was called with {inputs.Count}.");
        }

        RequireSameShapes(inputs);
        return inputs[0] - inputs[1];
    }
}

/// <summary>The elementwise product of its inputs (gating): <c>y = x₀ · x₁ · …</c>.</summary>
/// <param name="name">The layer name; <c>multiply</c> when null.</param>
public sealed class Multiply(string? name = null) : Merge(name)
{
    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        RequireSameShapes(inputs);
        Tensor product = inputs[0];
        for (int i = 1; i < inputs.Count; i++)
        {
            product *= inputs[i];
        }

        return product;
    }
}

/// <summary>The elementwise mean of its inputs: <c>y = (x₀ + x₁ + …) / n</c>.</summary>
/// <param name="name">The layer name; <c>average</c> when null.</param>
public sealed class Average(string? name = null) : Merge(name)
{
    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs)
    {
        RequireSameShapes(inputs);
        Tensor sum = inputs[0];
        for (int i = 1; i < inputs.Count; i++)
        {
            sum += inputs[i];
        }

        return sum * (1.0 / inputs.Count);
    }
}

/// <summary>Joins its inputs along one axis (features by default); every other axis must agree.</summary>
/// <param name="axis">The axis to join along; negative counts from the end (−1: the last, Keras' default).</param>
/// <param name="name">The layer name; <c>concatenate</c> when null.</param>
public sealed class Concatenate(int axis = -1, string? name = null) : Merge(name)
{
    /// <summary>The axis joined along.</summary>
    public int Axis { get; } = axis;

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs) => Tensor.Concat(inputs, Axis);
}
