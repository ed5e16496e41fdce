using System.Globalization;
using AutoGrad.Graphs;
using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.NN.Functional;

/// <summary>
/// A placeholder for a batch of values in a functional model's graph (Keras' <c>KerasTensor</c>): it has a shape and a
/// dtype but no values. It comes from <see cref="Input.Of(int, string?, DType)"/> or from calling a layer on symbolic
/// tensors (<c>layer.Call(x)</c>), which records the call as a node. It has no tensor ops: to apply one, wrap it in a
/// <see cref="Lambda"/> layer (<c>new Lambda(t =&gt; t.Relu()).Call(x)</c>); <c>+</c>, <c>-</c> and <c>*</c> are shorthand
/// for the <see cref="Add"/>, <see cref="Subtract"/> and <see cref="Multiply"/> layers.
/// </summary>
public sealed class SymbolicTensor
{
    internal SymbolicTensor(Shape exampleShape, DType dtype, string? name, FunctionalNode? node, int outputIndex)
    {
        ExampleShape = exampleShape;
        DType = dtype;
        InputName = name;
        Node = node;
        OutputIndex = outputIndex;
    }

    /// <summary>The shape of one example: the tensor's shape without the (implicit) batch axis.</summary>
    public Shape ExampleShape { get; }

    /// <summary>The dtype of the values.</summary>
    public DType DType { get; }

    /// <summary>True for a tensor made by <see cref="Input.Of(int, string?, DType)"/>, false for a layer's output.</summary>
    public bool IsInput => Node is null;

    /// <summary>The layer whose call produced this tensor, or null for an input.</summary>
    public Layer? Layer => Node?.Layer;

    /// <summary>The name given to <see cref="Input.Of(int, string?, DType)"/>, or null (for a layer's output, or an unnamed input).</summary>
    public string? InputName { get; }

    /// <summary>The call that produced this tensor; null for an input.</summary>
    internal FunctionalNode? Node { get; }

    /// <summary>Which of the node's outputs this is.</summary>
    internal int OutputIndex { get; }

    /// <summary>Shorthand for <c>new Add().Call(a, b)</c>.</summary>
    public static SymbolicTensor operator +(SymbolicTensor a, SymbolicTensor b) => new Add().Call(a, b);

    /// <summary>Shorthand for <c>new Subtract().Call(a, b)</c>.</summary>
    public static SymbolicTensor operator -(SymbolicTensor a, SymbolicTensor b) => new Subtract().Call(a, b);

    /// <summary>Shorthand for <c>new Multiply().Call(a, b)</c>.</summary>
    public static SymbolicTensor operator *(SymbolicTensor a, SymbolicTensor b) => new Multiply().Call(a, b);

    /// <summary>Like Keras: <c>SymbolicTensor(shape=(None, 784), dtype=Float32, name=image)</c>.</summary>
    public override string ToString() =>
        $"SymbolicTensor(shape={ShapeText(ExampleShape)}, dtype={DType}, {(Node is null ? $"input={InputName ?? "(unnamed)"}" : $"layer={Node.Layer.Name}")})";

    /// <summary>A batch shape as Keras prints it: <c>(None, 784)</c>.</summary>
    internal static string ShapeText(Shape example)
    {
        var dims = new[] { "None" }.Concat(example.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture))).ToArray();
        return dims.Length == 1 ? "(None,)" : "(" + string.Join(", ", dims) + ")";
    }

    /// <summary>
    /// Records <paramref name="layer"/> called on <paramref name="inputs"/>. The layer runs once on zeros of batch size 1,
    /// in evaluation mode and without gradients, so lazy layers build from the inputs' shapes and the output shapes are
    /// known (and shape errors surface now, where the model is written); nothing else changes.
    /// </summary>
    internal static SymbolicTensor Apply(Layer layer, SymbolicTensor[] inputs)
    {
        SymbolicTensor[] outputs = ApplyAll(layer, inputs);
        return outputs.Length == 1
            ? outputs[0]
            : throw new NotSupportedException(
                $"{layer.GetType().Name} '{layer.Name}' produces {outputs.Length} outputs; a layer called on symbolic tensors must produce one (a model with several outputs cannot be nested in another functional model).");
    }

    private static string CallFailed(Layer layer, SymbolicTensor[] inputs, Exception e) =>
        $"Calling {layer.GetType().Name} '{layer.Name}' on symbolic input(s) {string.Join(", ", inputs.Select(s => ShapeText(s.ExampleShape)))} failed " +
        $"(shapes below are with batch size 1): {e.Message}";

    private static SymbolicTensor[] ApplyAll(Layer layer, SymbolicTensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length == 0)
        {
            throw new ArgumentException($"{layer.GetType().Name} '{layer.Name}' was called with no symbolic inputs.");
        }

        for (int i = 0; i < inputs.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(inputs[i], $"inputs[{i}]");
        }

        TensorType[] outputs;
        bool wasTraining = layer.Training;
        layer.Train(false);
        try
        {
            // An abstract trace at batch size 1: the layer builds its weights and every op infers its type, but no kernel
            // runs and no state changes, so building a model costs no arithmetic.
            Graph trace = Graph.Trace(
                values => layer.CallCore(values),
                [.. inputs.Select(s => TensorSpec.Fixed(new Shape([1, .. s.ExampleShape.ToArray()]), s.DType))]);
            outputs = [.. trace.Outputs.Select(o => trace.TypeOf(o).Resolve(1))];
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(CallFailed(layer, inputs, e), e);
        }
        catch (InvalidOperationException e)
        {
            // E.g. the layer read a value (Item, ToArray): a symbolic input has none.
            throw new InvalidOperationException(CallFailed(layer, inputs, e), e);
        }
        finally
        {
            layer.Train(wasTraining);
        }

        var node = new FunctionalNode(layer, inputs);
        var symbolic = new SymbolicTensor[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            Shape shape = outputs[i].Shape;
            if (shape.Rank == 0 || shape[0] != 1)
            {
                throw new ArgumentException(
                    $"{layer.GetType().Name} '{layer.Name}' turned a batch of 1 into an output of shape {shape}; a layer in a functional model must keep the batch axis first.");
            }

            symbolic[i] = new SymbolicTensor(new Shape(shape.ToArray()[1..]), outputs[i].DType, null, node, i);
        }

        node.Outputs = symbolic;
        return symbolic;
    }
}
