using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.NN;

/// <summary>
/// Checks a layer's gradients — with respect to its input and every parameter — against finite differences, via
/// <see cref="GradCheck"/>. The layer is converted to float64 (and built, if lazy, by one call); its parameters are
/// restored to the float64 originals afterwards.
/// </summary>
public static class LayerGradCheck
{
    /// <summary>Runs the check and returns the worst element.</summary>
    /// <param name="layer">The layer; it is converted to float64 in place.</param>
    /// <param name="input">A sample input (converted to float64 when it is floating point; integer inputs such as embedding indices stay as they are).</param>
    /// <param name="checkInput">Whether to check the input's gradient too (false for integer inputs such as embedding indices).</param>
    /// <param name="options">GradCheck settings.</param>
    public static GradCheckResult Check(Layer layer, Tensor input, bool checkInput = true, GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Tensor x = input.DType.IsFloatingPoint() ? input.To(DType.Float64) : input;

        // Eager parameters are converted first, then lazy ones are built by a call in float64.
        layer.To(DType.Float64);
        using (Autodiff.NoGrad())
        {
            layer.Call(x);
        }

        layer.To(DType.Float64);
        IReadOnlyList<Tensor> originals = layer.Parameters();
        Tensor[] inputs = checkInput ? [x, .. originals] : [.. originals];
        try
        {
            return GradCheck.Check(
                values =>
                {
                    layer.ReplaceParameters(checkInput ? values[1..] : values);
                    return layer.Call(checkInput ? values[0] : x);
                },
                inputs,
                options);
        }
        finally
        {
            layer.ReplaceParameters([.. originals]);
        }
    }

    /// <summary>Runs <see cref="Check"/> and throws <see cref="GradCheckException"/> naming the layer and worst element on failure.</summary>
    /// <exception cref="GradCheckException">A gradient element is outside tolerance.</exception>
    public static void Assert(Layer layer, Tensor input, bool checkInput = true, GradCheckOptions? options = null)
    {
        var result = Check(layer, input, checkInput, options);
        if (!result.Passed)
        {
            throw new GradCheckException($"{layer.GetType().Name} '{layer.Name}': {result.Message}");
        }
    }
}
