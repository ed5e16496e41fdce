using AutoGrad.NN;
using AutoGrad.Tensors;

namespace AutoGrad.Examples.Mnist;

/// <summary>
/// Mean pooling over the sequence axis, <c>[B, T, D]</c> → <c>[B, D]</c> (Keras' <c>GlobalAveragePooling1D</c>): the
/// transformer's classifier reads the average of its 28 row tokens rather than a class token. One <c>Mean</c>, so it
/// needs no derivative of its own and traces into the compiled training step.
/// </summary>
/// <param name="name">The layer name; <c>mean_over_tokens</c> when null.</param>
public sealed class MeanOverTokens(string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The input is not <c>[batch, time, features]</c>.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 3)
        {
            throw new ArgumentException($"MeanOverTokens '{Name}': the input must be [batch, time, features], got shape {input.Shape}.", nameof(input));
        }

        return input.Mean(1);
    }
}
