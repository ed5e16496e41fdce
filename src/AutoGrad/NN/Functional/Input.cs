using AutoGrad.Tensors;

namespace AutoGrad.NN.Functional;

/// <summary>
/// Creates the symbolic inputs of a functional model (Keras' <c>keras.Input</c>): <c>var x = Input.Of(784)</c> stands
/// for a batch of examples of shape <c>[784]</c>; the batch axis is implicit and any batch size fits. Call layers on it
/// to build the model's graph, then pass it to <see cref="FunctionalModel"/>.
/// </summary>
public static class Input
{
    /// <summary>A symbolic input of examples of shape <paramref name="exampleShape"/> (without the batch axis).</summary>
    /// <param name="exampleShape">The shape of one example, e.g. <c>new Shape(28, 28)</c>.</param>
    /// <param name="name">The input's name: the key of dictionaries given to <c>Fit</c>/<c>Predict</c> and the name in
    /// error messages and <c>Summary</c>; <c>input</c>, <c>input_1</c>, … per model when null.</param>
    /// <param name="dtype">The dtype of the data the model will be given (used to build lazy layers).</param>
    /// <exception cref="ArgumentException">A dimension is not positive.</exception>
    public static SymbolicTensor Of(Shape exampleShape, string? name = null, DType dtype = DType.Float32)
    {
        for (int i = 0; i < exampleShape.Rank; i++)
        {
            if (exampleShape[i] <= 0)
            {
                throw new ArgumentException($"Input.Of: every dimension of an example must be positive; got {exampleShape}" +
                    (name is null ? "." : $" for input '{name}'."), nameof(exampleShape));
            }
        }

        if (name is not null && string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("Input.Of: a name, when given, must not be empty.", nameof(name));
        }

        return new SymbolicTensor(exampleShape, dtype, name, null, 0);
    }

    /// <summary>A symbolic input of vectors of <paramref name="features"/> values (<c>Input.Of(784)</c>).</summary>
    /// <param name="features">The length of one example.</param>
    /// <param name="name">The input's name (see <see cref="Of(Shape, string?, DType)"/>).</param>
    /// <param name="dtype">The dtype of the data.</param>
    public static SymbolicTensor Of(int features, string? name = null, DType dtype = DType.Float32) => Of(new Shape(features), name, dtype);

    /// <summary>A symbolic input of examples of shape <c>[d0, d1]</c> (<c>Input.Of(28, 28, name: "image")</c>).</summary>
    /// <param name="d0">The first dimension of one example.</param>
    /// <param name="d1">The second dimension.</param>
    /// <param name="name">The input's name (see <see cref="Of(Shape, string?, DType)"/>).</param>
    /// <param name="dtype">The dtype of the data.</param>
    public static SymbolicTensor Of(int d0, int d1, string? name = null, DType dtype = DType.Float32) => Of(new Shape(d0, d1), name, dtype);

    /// <summary>A symbolic input of examples of shape <c>[d0, d1, d2]</c> (e.g. channels, height, width).</summary>
    /// <param name="d0">The first dimension of one example.</param>
    /// <param name="d1">The second dimension.</param>
    /// <param name="d2">The third dimension.</param>
    /// <param name="name">The input's name (see <see cref="Of(Shape, string?, DType)"/>).</param>
    /// <param name="dtype">The dtype of the data.</param>
    public static SymbolicTensor Of(int d0, int d1, int d2, string? name = null, DType dtype = DType.Float32) => Of(new Shape(d0, d1, d2), name, dtype);
}
