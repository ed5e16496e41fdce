using AutoGrad.Differentiation;
using AutoGrad.NN;
using AutoGrad.NN.Initializers;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary><see cref="Embedding"/>'s <c>paddingIdx</c>: PyTorch's <c>padding_idx</c> (zero-initialized row, never a gradient).</summary>
public class EmbeddingPaddingTests
{
    private const int Count = 5, Dim = 3, Padding = 2;
    private static readonly long[] Indices = [2, 0, 4, 2, 1, 2];

    private static double[,] Table() => new double[,] { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 }, { -1, -2, -3 }, { 0.5, 0.25, 0.125 } };

    private static Embedding WithTable(int paddingIdx = Padding)
    {
        var embedding = new Embedding(Count, Dim, new Constant(0.5), DType.Float64, paddingIdx: paddingIdx);
        using (Autodiff.NoGrad())
        {
            embedding.Weight.Assign(Tensor.FromArray(Table()));
        }

        return embedding;
    }

    [Fact]
    public void Embedding_PaddingIdx_InitializesTheRowToZeros()
    {
        var embedding = new Embedding(Count, Dim, new Constant(0.5), DType.Float64, paddingIdx: -3);
        Assert.Equal(Padding, embedding.PaddingIdx);
        double[] table = embedding.Weight.ToArray<double>();
        for (int i = 0; i < table.Length; i++)
        {
            Assert.Equal(i / Dim == Padding ? 0.0 : 0.5, table[i]);
        }

        Assert.True(embedding.Weight.RequiresGrad);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(Count, Dim, paddingIdx: Count));
    }

    [Fact]
    public void Embedding_PaddingIdx_OutputsTheRowAndGivesItNoGradient()
    {
        var embedding = WithTable();
        var indices = Tensor.FromArray(Indices, 2, 3);
        Tensor output = embedding.Call(indices);
        Assert.Equal(new[] { 2, 3, Dim }, output.Shape.ToArray());

        double[] upstream = [.. Enumerable.Range(0, Indices.Length * Dim).Select(i => 1.0 + (0.1 * i))];
        (output * Tensor.FromArray(upstream, 2, 3, Dim)).Sum().Backward();

        double[,] table = Table();
        double[] values = output.ToArray<double>();
        var expectedGrad = new double[Count * Dim];
        for (int i = 0; i < Indices.Length; i++)
        {
            int row = (int)Indices[i];
            for (int d = 0; d < Dim; d++)
            {
                Assert.Equal(table[row, d], values[(i * Dim) + d]);   // the padding row's value, not zeros
                if (row != Padding)
                {
                    expectedGrad[(row * Dim) + d] += upstream[(i * Dim) + d];
                }
            }
        }

        Assert.Equal(expectedGrad, embedding.Weight.Grad!.ToArray<double>());
    }

    [Fact]
    public void Embedding_PaddingIdx_OtherRowsMatchFiniteDifferencesToSecondOrder()
    {
        // The padding row is held constant (its gradient is zero by definition, not by differences); the other rows
        // are the checked inputs, with padding positions present among the indices.
        var embedding = WithTable();
        var indices = Tensor.FromArray(Indices, 2, 3);
        var generator = new Generator(4);
        Tensor upstream = Tensor.RandN([2, 3, Dim], generator, DType.Float64);
        Tensor fixedRow = Tensor.FromArray(new double[] { 7, 8, 9 }, 1, Dim);
        Tensor Function(Tensor[] v)
        {
            embedding.ReplaceParameters([Tensor.Concat([v[0], fixedRow, v[1]], 0)]);
            return (embedding.Call(indices) * upstream).Tanh().Sum();
        }

        Tensor[] inputs = [Tensor.RandN([Padding, Dim], generator, DType.Float64), Tensor.RandN([Count - Padding - 1, Dim], generator, DType.Float64)];
        var first = GradCheck.Check(Function, inputs);
        Assert.True(first.Passed, first.Message);
        var second = GradCheck.CheckSecondOrder(Function, inputs);
        Assert.True(second.Passed, second.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Embedding_PaddingIdx_TrainingLeavesThePaddingRow(bool jit)
    {
        Generator.ManualSeed(3);
        var model = new Sequential(new Embedding(Count, Dim, paddingIdx: 0), new Flatten(), new Dense(1));
        var x = Tensor.FromArray(new long[] { 0, 1, 2, 3, 0, 4, 1, 1, 0, 2, 3, 4 }, 4, 3);
        var y = Tensor.FromArray(new float[] { 1, -1, 0.5f, 2 }, 4, 1);
        model.Call(x);
        var embedding = (Embedding)model.Layers[0];
        float[] before = embedding.Weight.ToArray();
        model.Compile(new Adam(model, 0.05), "mse", jit: jit);
        model.Fit(x, y, epochs: 5, batchSize: 2, verbose: AutoGrad.NN.Training.Verbosity.Silent);

        float[] after = embedding.Weight.ToArray();
        Assert.Equal(new float[Dim], after[..Dim]);                           // still zeros
        Assert.All(Enumerable.Range(Dim, after.Length - Dim), i => Assert.NotEqual(before[i], after[i]));
    }
}
