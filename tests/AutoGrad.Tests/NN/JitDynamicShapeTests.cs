using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;
using AutoGrad.Tests.Graphs;

namespace AutoGrad.Tests.NN;

/// <summary>
/// With <c>jit: true</c>, a per-example axis that changes between calls (a sequence length) is traced once more as a
/// named dimension, as <c>torch.compile</c> marks a dimension dynamic once it changed: later lengths reuse that graph.
/// A model that cannot be traced that way (an LSTM unrolls its time steps) is traced per length instead.
/// </summary>
public class JitDynamicShapeTests
{
    /// <summary>Averages over the time axis and counts the traces it takes part in.</summary>
    private sealed class MeanOverTime : Layer
    {
        public int Traces { get; private set; }

        public override Tensor Forward(Tensor input)
        {
            if (input.IsAbstract)
            {
                Traces++;
            }

            return input.Mean(1);
        }
    }

    private static (Sequential Model, MeanOverTime Pool) Model(long seed)
    {
        Generator.ManualSeed(seed);
        var pool = new MeanOverTime();
        var model = new Sequential(new Dense(8, "relu", inputSize: 4), pool, new Dense(2, inputSize: 8));
        model.To(DType.Float64);
        return (model, pool);
    }

    private static Tensor Sequences(int n, int steps) => Tensor.RandN([n, steps, 4], new Generator(steps)).To(DType.Float64);

    [Fact]
    public void Predict_AtSeveralLengths_TracesTwiceAndMatchesOpByOp()
    {
        var (model, pool) = Model(1);
        model.Compile(new Adam(model, 0.01), new MeanSquaredError(), jit: true);
        model.Predict(Sequences(6, 5));
        model.Predict(Sequences(6, 9));
        int afterTwoLengths = pool.Traces;
        foreach (int steps in new[] { 7, 3, 12 })
        {
            Tensor x = Sequences(6, steps);
            Tensor compiled = model.Predict(x).Clone();
            model.Jit = false;
            Assert.True(compiled.MaxRelativeError(model.Predict(x)) < 1e-12, $"T={steps}");
            model.Jit = true;
        }

        Assert.Equal(afterTwoLengths, pool.Traces);
    }

    [Fact]
    public void Fit_OnSequencesOfNewLengths_TracesNoMoreAfterTheSecondAndTrainsLikeEager()
    {
        var (compiled, pool) = Model(2);
        var (eager, _) = Model(2);
        compiled.Compile(new Adam(compiled, 0.01), new MeanSquaredError(), jit: true);
        eager.Compile(new Adam(eager, 0.01), new MeanSquaredError());
        int afterTwoLengths = 0;
        int[] lengths = [5, 9, 7, 5];
        for (int i = 0; i < lengths.Length; i++)
        {
            Tensor x = Sequences(12, lengths[i]), y = Tensor.RandN([12, 2], new Generator(i)).To(DType.Float64);
            compiled.Fit(x, y, epochs: 1, batchSize: 4, shuffle: false, verbose: Verbosity.Silent);
            eager.Fit(x, y, epochs: 1, batchSize: 4, shuffle: false, verbose: Verbosity.Silent);
            if (i == 1)
            {
                afterTwoLengths = pool.Traces;
            }
        }

        Assert.Equal(afterTwoLengths, pool.Traces);
        var expected = eager.Parameters();
        var actual = compiled.Parameters();
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(actual[i].MaxRelativeError(expected[i]) < 1e-10, expected[i].Name);
        }
    }

    [Fact]
    public void Predict_LstmAtSeveralLengths_TracesPerLengthAndMatchesOpByOp()
    {
        Generator.ManualSeed(4);
        var model = new Sequential(new Lstm(6, inputSize: 4), new Dense(2, inputSize: 6));
        model.To(DType.Float64);
        model.Compile(new Adam(model, 0.01), new MeanSquaredError(), jit: true);
        foreach (int steps in new[] { 5, 9, 7 })
        {
            Tensor x = Sequences(3, steps);
            Tensor compiled = model.Predict(x).Clone();
            model.Jit = false;
            Assert.True(compiled.MaxRelativeError(model.Predict(x)) < 1e-12, $"T={steps}");
            model.Jit = true;
        }
    }
}
