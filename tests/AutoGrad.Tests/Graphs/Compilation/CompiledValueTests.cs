using AutoGrad.Graphs;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Graphs.Compilation;

/// <summary>
/// Value-level checks of the compiled path, through the public API only (<c>Graph.Trace</c>, <c>Optimize</c>,
/// <c>Compile().Run</c>): each graph is built so that a plausible bug in a pass or the memory planner — merging two
/// ops that differ only in an attribute, cancelling two permutations that do not restore the order, reusing a buffer
/// whose value is still to be read — changes the numbers, and the numbers are compared with eager execution.
/// </summary>
public class CompiledValueTests
{
    [Fact]
    public void SumOverAxis0AndAxis1_InOneSquareGraph_CompiledGivesTheEagerNumbers()
    {
        // Square, so reduce_sum over axis 0 and over axis 1 have the same input and the same output type: only the
        // axes attribute tells them apart.
        Tensor x = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 10, 20, 30 }, { 100, 200, 300 } });
        var compiled = AssertCompiledMatchesEager(v => [v[0].Sum(0), v[0].Sum(1), v[0].Sum(0).Sub(v[0].Sum(1))], [TensorSpec.Fixed([3, 3])], [x]);
        Assert.Equal(new float[] { 111, 222, 333 }, compiled[0]);
        Assert.Equal(new float[] { 6, 60, 600 }, compiled[1]);
        Assert.Equal(new float[] { 105, 162, -267 }, compiled[2]);
    }

    [Fact]
    public void SumOverAxis0AndAxis1_KeepDims_CompiledGivesTheEagerNumbers()
    {
        Tensor x = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });
        var compiled = AssertCompiledMatchesEager(v => [v[0].Sum(0, keepDims: true).Add(v[0].Sum(1, keepDims: true))], [TensorSpec.Fixed([2, 2])], [x]);
        Assert.Equal(new float[] { 4 + 3, 6 + 3, 4 + 7, 6 + 7 }, compiled[0]);
    }

    [Theory]
    [InlineData(new[] { 1, 0, 2 }, new[] { 0, 2, 1 })]
    [InlineData(new[] { 1, 2, 0 }, new[] { 1, 2, 0 })]
    [InlineData(new[] { 2, 0, 1 }, new[] { 0, 2, 1 })]
    public void TwoPermutes_ThatDoNotRestoreTheOrder_AreNotCancelled(int[] first, int[] second)
    {
        // A cube keeps every permutation's type equal to the input's, so only the axis order can stop the cancellation.
        Tensor x = Tensor.Arange(27).Reshape(3, 3, 3);
        var compiled = AssertCompiledMatchesEager(v => [v[0].Permute(first).Permute(second)], [TensorSpec.Fixed([3, 3, 3])], [x]);
        Assert.NotEqual(x.ToArray(), compiled[0]);
    }

    [Fact]
    public void TwoTransposesOfDifferentAxisPairs_AreNotCancelled()
    {
        Tensor x = Tensor.Arange(27).Reshape(3, 3, 3);
        var compiled = AssertCompiledMatchesEager(v => [v[0].Transpose(0, 1).Transpose(1, 2)], [TensorSpec.Fixed([3, 3, 3])], [x]);
        Assert.NotEqual(x.ToArray(), compiled[0]);
        // result[i,j,k] = x[k,i,j] = 9k + 3i + j, a rotation of the axes, not the identity.
        Assert.Equal(Enumerable.Range(0, 27).Select(n => (float)((9 * (n % 3)) + (n / 3))).ToArray(), compiled[0]);
    }

    [Fact]
    public void TwoPermutesThatRestoreTheOrder_GiveTheInputBack()
    {
        // The control: a permutation followed by its inverse is the identity, cancelled or not.
        Tensor x = Tensor.Arange(24).Reshape(2, 3, 4);
        var compiled = AssertCompiledMatchesEager(v => [v[0].Permute(2, 0, 1).Permute(1, 2, 0).Mul(2.0)], [TensorSpec.Fixed([2, 3, 4])], [x]);
        Assert.Equal(x.Mul(2.0).ToArray(), compiled[0]);
    }

    [Fact]
    public void OpsDifferingOnlyInAttributes_OnTheSameInput_AreNotMerged()
    {
        // Pairs with the same op, the same input and the same result type, differing in one attribute (or, for the
        // softmax pair, in the name of one shared op class): common-subexpression elimination must keep both.
        Tensor x = Tensor.FromArray(new float[,] { { 0.5f, -1, 2, 0 }, { 3, 1, -2, 0.25f }, { -0.5f, 4, 1, 2 }, { 1, 1, 0, -3 } });
        AssertCompiledMatchesEager(
            v =>
            [
                v[0].Slice(0, 0, 2).Sub(v[0].Slice(0, 2, 4)),
                v[0].Slice(1, 0, 4, 2).Sub(v[0].Slice(1, 1, 4, 2)),
                v[0].Softmax(0).Sub(v[0].Softmax(1)),
                v[0].Softmax(1).Sub(v[0].LogSoftmax(1)),
                v[0].Max(0).Sub(v[0].Max(1)),
                v[0].Mean(0).Sub(v[0].Mean(1)),
                v[0].Maximum(v[0].Transpose()).Sub(v[0].Minimum(v[0].Transpose())),
                v[0].Pow(2.0).Sub(v[0].Pow(3.0)),
                v[0].Reshape(2, 8).Sum(0).Sub(v[0].Reshape(8, 2).Reshape(2, 8).Sum(0)),
            ],
            [TensorSpec.Fixed([4, 4])],
            [x]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IntermediateReadAfterManyLaterValues_CompiledMatchesEager(bool intermediateIsAlsoAnOutput)
    {
        // h is computed first and read last; in between, values of h's size are created and die one after another,
        // so a planner that freed h too early (at its first reader) would hand its buffer to one of them. As an output
        // h must also survive to the end. The batched input runs at several batch sizes through the same executable.
        Tensor w = Tensor.RandN([6, 6], new Generator(7));
        Tensor u = Tensor.RandN([6, 6], new Generator(8));
        Tensor[] Function(Tensor[] v)
        {
            Tensor h = v[0].MatMul(w);
            Tensor t = v[0].Tanh();
            for (int i = 0; i < 4; i++)
            {
                t = t.MatMul(u).Add(1.0).Tanh().Mul(0.5);
            }

            Tensor late = t.Sum(1, keepDims: true).Add(h);
            Tensor result = h.Exp().Neg().Mul(late);
            return intermediateIsAlsoAnOutput ? [result, h] : [result];
        }

        var batches = new[] { 1, 5, 3, 5 }.Select((n, i) => new[] { Tensor.RandN([n, 6], new Generator(100 + i)) }).ToArray();
        AssertCompiledMatchesEager(Function, [TensorSpec.Batched(6)], batches);
    }

    [Fact]
    public void ElementwiseValueReadAfterAnInPlaceCandidate_CompiledMatchesEager()
    {
        // a dies at b only in the naive reading: it is read again by c, so b may not overwrite it in place.
        Tensor x = Tensor.FromArray(new float[,] { { 0.5f, -1, 2 }, { 3, 1, -2 } });
        AssertCompiledMatchesEager(
            v =>
            {
                Tensor a = v[0].Neg();
                Tensor b = a.Exp();
                Tensor c = b.Mul(a).Sum(1).Add(a.Sum(1));
                return [c, a.Square().Sum(0)];
            },
            [TensorSpec.Fixed([2, 3])],
            [x]);
    }

    /// <summary>
    /// Traces <paramref name="function"/>, runs it compiled three ways (unoptimized, optimized, and <c>Optimize()</c>
    /// then compiled without further passes) on each input set in turn, and asserts every output equals eager
    /// execution to 1e-5 relative. Returns the optimized executable's outputs on the last input set, as arrays.
    /// </summary>
    private static float[][] AssertCompiledMatchesEager(Func<Tensor[], Tensor[]> function, TensorSpec[] specs, params Tensor[][] inputSets)
    {
        Graph graph = Graph.Trace(function, specs);
        var executables = new[]
        {
            ("unoptimized", graph.Compile(optimize: false)),
            ("optimized", graph.Compile()),
            ("Optimize() then compiled", graph.Optimize().Compile(optimize: false)),
        };
        float[][] last = [];
        foreach (Tensor[] inputs in inputSets)
        {
            Tensor[] eager = function(inputs);
            foreach ((string how, var executable) in executables)
            {
                IReadOnlyList<Tensor> compiled = executable.Run(inputs);
                Assert.Equal(eager.Length, compiled.Count);
                for (int o = 0; o < eager.Length; o++)
                {
                    Assert.True(eager[o].Shape == compiled[o].Shape, $"{how}, output {o}: shape {compiled[o].Shape}, eager {eager[o].Shape}");
                    float[] expected = eager[o].ToArray();
                    float[] actual = compiled[o].ToArray();
                    for (int i = 0; i < expected.Length; i++)
                    {
                        float allowed = 1e-5f * Math.Max(1f, Math.Abs(expected[i]));
                        Assert.True(
                            Math.Abs(expected[i] - actual[i]) <= allowed,
                            $"{how}, output {o}, element {i}: compiled {actual[i]:R}, eager {expected[i]:R}\n{executable.Graph}");
                    }
                }

                if (how == "optimized")
                {
                    last = compiled.Select(t => t.ToArray()).ToArray();
                }
            }
        }

        return last;
    }
}
