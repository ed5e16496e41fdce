using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Xunit.Abstractions;
using Tensor = AutoGrad.Tensors.Tensor;

namespace AutoGrad.Onnx.Tests;

/// <summary>
/// The exported training step, run in a loop by ONNX Runtime with its outputs fed back as inputs, trains the model
/// exactly as AutoGrad does: after 20 steps every parameter, optimizer slot, step count and running statistic equals
/// the values 20 eager <c>Optimizer.Step()</c> calls leave.
/// </summary>
public sealed class TrainingStepExportTests(ITestOutputHelper output)
{
    private const int Steps = 20;

    public static TheoryData<string, string> Cases => new()
    {
        { "mlp", "sgd_momentum" },
        { "mlp", "sgd_nesterov_decay" },
        { "mlp", "adam" },
        { "mlp", "adamw" },
        { "mlp", "adam_clip" },
        { "mlp", "rmsprop" },
        { "mlp", "rmsprop_momentum" },
        { "mlp", "adagrad" },
        { "batch_norm", "sgd_momentum" },
        { "batch_norm", "adam" },
    };

    private static (Sequential Model, Optimizer Optimizer) Build(string model, string optimizer)
    {
        Generator.ManualSeed(11);
        Sequential net = model == "mlp"
            ? new Sequential(new Dense(8, "tanh", inputSize: 4), new Dense(3, inputSize: 8))
            // No bias before the normalization: BatchNorm cancels it, so its gradient is pure rounding noise, which Adam's
            // m/√v scales up to lr-sized steps of arbitrary sign (2e-3 apart after 20 steps) — true of any two engines.
            : new Sequential(new Dense(8, useBias: false, inputSize: 4), new BatchNorm(), new Dense(3, inputSize: 8));
        net.Build(new Shape(4));
        Optimizer opt = optimizer switch
        {
            "sgd_momentum" => new Sgd(net, 0.05, momentum: 0.9, dampening: 0.1),
            "sgd_nesterov_decay" => new Sgd(net, 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-2),
            "adam" => new Adam(net, 0.01, weightDecay: 1e-3),
            "adamw" => new AdamW(net, 0.01, weightDecay: 0.05),
            // Clipping the global gradient norm is traced tensor ops before the updates: it exports as standard ops.
            "adam_clip" => new Adam(net, 0.01) { ClipNorm = 0.5 },
            "rmsprop" => new RmsProp(net, 0.01, weightDecay: 1e-3),
            "rmsprop_momentum" => new RmsProp(net, 0.005, momentum: 0.8),
            "adam_amsgrad" => new Adam(net, 0.01, amsgrad: true),
            "adamw_amsgrad" => new AdamW(net, 0.01, amsgrad: true),
            "rmsprop_centered" => new RmsProp(net, 0.01, centered: true),
            "nadam" => new NAdam(net, 0.01),
            "radam" => new RAdam(net, 0.01),
            _ => new Adagrad(net, 0.1, weightDecay: 1e-3),
        };
        return (net, opt);
    }

    private static List<(Tensor X, Tensor Y)> Batches()
    {
        var generator = new Generator(5);
        return [.. Enumerable.Range(0, Steps).Select(_ => (Tensor.RandN([8, 4], generator), Tensor.RandN([8, 3], generator)))];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExportedStep_TwentyOrtStepsFedBack_EqualTwentyEagerSteps(string model, string optimizer)
    {
        var (net, opt) = Build(model, optimizer);
        var loss = new MeanSquaredError();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(net.Call(x), y), TensorSpec.Batched(4), TensorSpec.Batched(3), opt);
        OnnxTrainingStep exported = step.ToOnnxTrainingStep();

        // The state to start from, copied before AutoGrad trains the live tensors.
        var state = exported.State.Concat(exported.Hyperparameters).ToDictionary(p => p.Name, p => p.Value.Clone());
        var data = Batches();

        var eagerLosses = new List<double>();
        foreach (var (x, y) in data)
        {
            opt.ZeroGrad();
            Tensor value = loss.Compute(net.Call(x), y);
            value.Backward();
            opt.Step();
            eagerLosses.Add(value.ItemDouble());
        }

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(exported.ToBytes(), options);
        double worstLoss = 0;
        for (int s = 0; s < Steps; s++)
        {
            state["input"] = data[s].X;
            state["target"] = data[s].Y;
            Tensor[] results = Ort.Run(session, [.. session.InputNames.Select(name => state[name])]);
            worstLoss = Math.Max(worstLoss, Math.Abs(results[0].ItemDouble() - eagerLosses[s]) / Math.Max(1, Math.Abs(eagerLosses[s])));
            for (int k = 0; k < exported.State.Count; k++)
            {
                Assert.Equal(OnnxTrainingStep.NewName(exported.State[k].Name), session.OutputNames[1 + k]);
                state[exported.State[k].Name] = results[1 + k];
            }
        }

        // AutoGrad's live state after 20 eager steps against ORT's after 20 steps, every tensor.
        double worst = 0;
        string worstName = string.Empty;
        foreach (GraphParameter p in exported.State)
        {
            double error = Ort.MaxRelativeError(state[p.Name], p.Value);
            Assert.True(error <= 1e-5, $"{model}/{optimizer}: {p.Name} differs by {error:E3} after {Steps} steps.\nAutoGrad {p.Value}\nORT      {state[p.Name]}");
            (worst, worstName) = error > worst ? (error, p.Name) : (worst, worstName);
        }

        Assert.True(worstLoss <= 1e-5, $"{model}/{optimizer}: a step's loss differs by {worstLoss:E3}");
        Assert.Equal((double)Steps, state[exported.State.First(p => p.Name.EndsWith(".step", StringComparison.Ordinal)).Name].ItemDouble());
        output.WriteLine($"{model}/{optimizer}: after {Steps} ORT steps max relative difference {worst:E2} ({worstName}), losses {worstLoss:E2}");
    }

    [Fact]
    public void ExportedStep_NamesInputsAndOutputsByTheStateNames()
    {
        var (net, opt) = Build("batch_norm", "adam");
        var loss = new MeanSquaredError();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(net.Call(x), y), TensorSpec.Batched(4), TensorSpec.Batched(3), opt);
        OnnxTrainingStep exported = step.ToOnnxTrainingStep();
        var proto = ModelProto.Parser.ParseFrom(exported.ToBytes());

        string[] state = [.. exported.State.Select(p => p.Name)];
        Assert.Equal(["input", "target", .. state, "optimizer.learning_rate"], proto.Graph.Input.Select(i => i.Name));
        Assert.Equal(["loss", .. state.Select(n => n + ".new")], proto.Graph.Output.Select(o => o.Name));
        Assert.Contains("dense.kernel", state);
        Assert.Contains("dense.kernel.m", state);
        Assert.Contains("dense.kernel.v", state);
        Assert.Contains("dense.kernel.step", state);
        Assert.Contains(state, n => n.Contains("running", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(TensorProto.Types.DataType.Double, (TensorProto.Types.DataType)proto.Graph.Input.Single(i => i.Name == "dense.kernel.step").Type.TensorType.ElemType);
        Assert.Empty(proto.Graph.Initializer.Select(i => i.Name).Intersect(state));
        Assert.Equal(17, proto.OpsetImport.Single().Version);
        Assert.All(proto.Graph.Node, n => Assert.Equal(string.Empty, n.Domain));
    }

    [Fact]
    public void Cases_CoverEveryStateWriteTheExportDecomposes()
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var row in Cases)
        {
            var (net, opt) = Build((string)row[0], (string)row[1]);
            var loss = new MeanSquaredError();
            var step = CompiledTrainingStep.Create((x, y) => loss.Compute(net.Call(x), y), TensorSpec.Batched(4), TensorSpec.Batched(3), opt);
            seen.UnionWith(step.Graph.Nodes.Where(n => n.Op.Effect == AutoGrad.Ops.OpEffect.WritesState).Select(n => n.Op.Name));
        }

        Assert.Equal(OnnxTrainingStep.StateWriteOps.Keys.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public void GraphToOnnx_OfATrainingStep_ThrowsNamingTheUpdateAndTheTrainingStepExport()
    {
        var (net, opt) = Build("mlp", "adam");
        var loss = new MeanSquaredError();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(net.Call(x), y), TensorSpec.Batched(4), TensorSpec.Batched(3), opt);
        var error = Assert.Throws<NotSupportedException>(() => step.Graph.ToOnnxBytes());
        Assert.Contains("adam_update", error.Message, StringComparison.Ordinal);
        Assert.Contains("OnnxTrainingStep.Export", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("adam_amsgrad", "adam_update", "AMSGrad")]
    [InlineData("adamw_amsgrad", "adam_update", "AMSGrad")]
    [InlineData("rmsprop_centered", "rmsprop_update", "centered RMSprop")]
    [InlineData("nadam", "nadam_update", "does not know")]
    [InlineData("radam", "radam_update", "does not know")]
    public void Export_OfAnUpdateTheExportDoesNotDecompose_ThrowsNamingIt(string optimizer, string op, string why)
    {
        var (net, opt) = Build("mlp", optimizer);
        var loss = new MeanSquaredError();
        var step = CompiledTrainingStep.Create((x, y) => loss.Compute(net.Call(x), y), TensorSpec.Batched(4), TensorSpec.Batched(3), opt);
        var error = Assert.Throws<NotSupportedException>(() => step.ToOnnxTrainingStep());
        Assert.Contains(op, error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_OfAGraphWithoutStateWrites_ThrowsPointingAtGraphToOnnx()
    {
        Graph forward = Graph.Trace(x => x.Exp(), TensorSpec.Batched(2));
        var error = Assert.Throws<ArgumentException>(() => OnnxTrainingStep.Export(forward));
        Assert.Contains("Graph.ToOnnx", error.Message, StringComparison.Ordinal);
    }
}
