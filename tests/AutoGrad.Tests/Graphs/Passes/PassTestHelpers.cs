using AutoGrad.Graphs;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Passes;

internal static class PassAssert
{
    /// <summary>Asserts the two graphs give the same outputs (to <paramref name="tolerance"/> relative) on random float64 inputs at two batch sizes.</summary>
    public static void SameResults(Graph before, Graph after, double tolerance = 0)
    {
        foreach (int batch in new[] { 1, 6 })
        {
            var generator = new Generator(batch);
            Tensor[] inputs = [.. before.Inputs.Select(i => Tensor.Uniform(i.Type.Resolve(batch).Shape, 0.5, 2.0, generator, i.Type.DType))];
            Tensor[] expected = before.Run(inputs);
            Tensor[] actual = after.Run(inputs);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(actual[i].MaxRelativeError(expected[i]) <= tolerance, $"output {i} at batch {batch}");
            }
        }
    }

    public static int Count(Graph graph, string op) => graph.Nodes.Count(n => n.Op.Name == op);
}

/// <summary>A stand-in for the "transpose" op of the shape family (swap the last two axes), to test rules keyed by op name.</summary>
internal sealed class SwapLastTwoOp : Op
{
    public static readonly SwapLastTwoOp Instance = new();

    public override string Name => "transpose";

    /// <summary>Declared, not guessed from the name: swapping the same two axes twice restores the input.</summary>
    public override bool IsInvolution => true;

    public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("axis0", -2), new("axis1", -1)];

    public override SavedValues Saves => SavedValues.None;

    public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
    {
        int[] dims = inputs[0].Shape.ToArray();
        (dims[^1], dims[^2]) = (dims[^2], dims[^1]);
        return new TensorType(new Shape(dims), inputs[0].DType);
    }

    public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
    {
        Tensor x = inputs[0];
        int rows = x.Shape[-2], columns = x.Shape[-1], batch = x.Size / Math.Max(1, rows * columns);
        for (int b = 0; b < batch; b++)
        {
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < columns; j++)
                {
                    output.SetFlat((b * rows * columns) + (j * rows) + i, x.GetFlat((b * rows * columns) + (i * columns) + j));
                }
            }
        }
    }

    public override Tensor?[] Backward(GradientContext context) => [Instance.Apply(context.OutputGrad)];
}
