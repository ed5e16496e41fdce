using System.Runtime.CompilerServices;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// Wraps a function of tensors as a layer without weights (Keras' <c>Lambda</c>), so any tensor op can take part in a
/// functional model: <c>new Lambda(t =&gt; t.Relu()).Call(h)</c>, or over several inputs
/// <c>new Lambda(ts =&gt; ts[0] * ts[1].Sigmoid()).Call(a, b)</c>. Symbolic tensors have no tensor ops of their own; this is
/// the way to apply one. The function must only use tensor ops (it is traced, differentiated and compiled like any
/// layer), and must not create parameters: a tensor that requires grad held by the function is not discovered, so
/// it would not be trained or saved — write a custom layer for that.
/// </summary>
public sealed class Lambda : Layer
{
    private readonly Func<IReadOnlyList<Tensor>, Tensor> function;
    private readonly int? arity;

    /// <summary>A layer of one input.</summary>
    /// <param name="function">The forward pass.</param>
    /// <param name="name">The layer name; <c>lambda</c> when null.</param>
    public Lambda(Func<Tensor, Tensor> function, string? name = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(function);
        this.function = inputs => function(inputs[0]);
        arity = 1;
    }

    /// <summary>A layer of any number of inputs, given in call order.</summary>
    /// <param name="function">The forward pass over the inputs.</param>
    /// <param name="name">The layer name; <c>lambda</c> when null.</param>
    public Lambda(Func<IReadOnlyList<Tensor>, Tensor> function, string? name = null)
        : base(name)
    {
        this.function = function ?? throw new ArgumentNullException(nameof(function));
    }

    /// <inheritdoc/>
    [InvokesUserCode]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input) => function([input]);

    /// <inheritdoc/>
    [InvokesUserCode]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal override Tensor[] ForwardAll(IReadOnlyList<Tensor> inputs)
    {
        if (arity is { } n && inputs.Count != n)
        {
            throw new ArgumentException($"Lambda '{Name}' wraps a function of {n} input; it was called with {inputs.Count}.");
        }

        return [function(inputs)];
    }
}
