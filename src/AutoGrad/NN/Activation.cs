using System.Runtime.CompilerServices;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>
/// An elementwise (or last-axis) activation function with a name, for <c>Dense(units, activation)</c>. Converts
/// implicitly from a name (<c>"relu"</c>, <c>"sigmoid"</c>, <c>"tanh"</c>, <c>"softmax"</c>, <c>"gelu"</c>,
/// <c>"elu"</c>, <c>"leaky_relu"</c>, <c>"softplus"</c>, <c>"linear"</c>) or from a <c>Func&lt;Tensor, Tensor&gt;</c>.
/// </summary>
public sealed class Activation
{
    private readonly Func<Tensor, Tensor> function;

    /// <summary>Creates a named activation from a function written with tensor ops.</summary>
    public Activation(string name, Func<Tensor, Tensor> function)
    {
        Name = name;
        this.function = function;
    }

    /// <summary>The name shown by summaries.</summary>
    public string Name { get; }

    /// <summary>max(x, 0).</summary>
    public static Activation Relu { get; } = new("relu", x => x.Relu());

    /// <summary>1 / (1 + e^−x).</summary>
    public static Activation Sigmoid { get; } = new("sigmoid", x => x.Sigmoid());

    /// <summary>tanh x.</summary>
    public static Activation Tanh { get; } = new("tanh", x => x.Tanh());

    /// <summary>Softmax over the last axis.</summary>
    public static Activation Softmax { get; } = new("softmax", x => x.Softmax(-1));

    /// <summary>GELU.</summary>
    public static Activation Gelu { get; } = new("gelu", x => x.Gelu());

    /// <summary>ELU with α = 1.</summary>
    public static Activation Elu { get; } = new("elu", x => x.Elu());

    /// <summary>Leaky ReLU with slope 0.01.</summary>
    public static Activation LeakyRelu { get; } = new("leaky_relu", x => x.LeakyRelu());

    /// <summary>log(1 + eˣ).</summary>
    public static Activation Softplus { get; } = new("softplus", x => x.Softplus());

    /// <summary>The identity.</summary>
    public static Activation Linear { get; } = new("linear", x => x);

    /// <summary>Applies the activation.</summary>
    [InvokesUserCode]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public Tensor Apply(Tensor x) => function(x);

    /// <summary>Looks an activation up by name.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static Activation FromName(string name) => name.ToLowerInvariant() switch
    {
        "relu" => Relu,
        "sigmoid" => Sigmoid,
        "tanh" => Tanh,
        "softmax" => Softmax,
        "gelu" => Gelu,
        "elu" => Elu,
        "leaky_relu" or "leakyrelu" => LeakyRelu,
        "softplus" => Softplus,
        "linear" or "none" or "identity" => Linear,
        _ => throw new ArgumentException(
            $"Unknown activation '{name}'. Known: relu, sigmoid, tanh, softmax, gelu, elu, leaky_relu, softplus, linear.", nameof(name)),
    };

    /// <summary>An activation by name.</summary>
    public static implicit operator Activation(string name) => FromName(name);

    /// <summary>An anonymous activation (named <c>custom</c>).</summary>
    public static implicit operator Activation(Func<Tensor, Tensor> function) => new("custom", function);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
