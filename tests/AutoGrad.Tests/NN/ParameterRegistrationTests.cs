using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

/// <summary>
/// Parameters are discovered once per structure and named when they are registered: cached lists, no discovery per
/// optimizer step, names visible to the very first forward, and every kind of structure change picked up.
/// </summary>
public class ParameterRegistrationTests
{
    private static readonly Tensor Input = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, -1 }, { 0.5f, 0 } });

    /// <summary>Creates its weight on the first call, names-checks it right after <c>MarkBuilt</c>, before any op uses it.</summary>
    private sealed class LazyScale : Layer
    {
        public Tensor? Weight { get; private set; }

        [NotTracked]
        public string? NameAtFirstUse { get; private set; }

        public override Tensor Forward(Tensor input)
        {
            if (Weight is null)
            {
                Weight = Tensor.Full([input.Shape[-1]], 2.0, input.DType).RequireGrad();
                MarkBuilt();
                NameAtFirstUse = Weight.Name;
            }

            return input * Weight;
        }
    }

    /// <summary>Holds a lazy Dense in a field and reads its kernel's name inside its own (still running) forward.</summary>
    private sealed class ReadsInnerName : Model
    {
        private readonly Dense inner = new(2);

        [NotTracked]
        public string? KernelNameDuringForward { get; private set; }

        public override Tensor Forward(Tensor input)
        {
            Tensor y = inner.Call(input);
            KernelNameDuringForward = inner.Kernel!.Name;
            return y;
        }
    }

    /// <summary>Creates its sub-layer inside its first forward, so no discovery has linked that sub-layer yet when it builds.</summary>
    private sealed class CreatesSubLayerLazily : Model
    {
        private Dense? inner;

        [NotTracked]
        public string? KernelNameDuringForward { get; private set; }

        public override Tensor Forward(Tensor input)
        {
            inner ??= new Dense(2);
            Tensor y = inner.Call(input);
            KernelNameDuringForward = inner.Kernel!.Name;
            return y;
        }
    }

    /// <summary>A model whose members a user may replace or extend after construction.</summary>
    private sealed class Mutable : Model
    {
        public Layer Head { get; set; } = new Dense(1, inputSize: 2);

        public List<Layer> Extras { get; } = [];

        public Dictionary<string, Tensor> Scales { get; } = new() { ["a"] = Tensor.Ones([1]).RequireGrad() };

        public Tensor Offset { get; } = Tensor.Zeros([1]);

        public override Tensor Forward(Tensor input)
        {
            Tensor y = Head.Call(input) * Scales["a"] + Offset;
            foreach (var extra in Extras)
            {
                y = extra.Call(y);
            }

            return y;
        }
    }

    [Fact]
    public void Parameters_NoStructuralChange_SameListInstancesAndOneDiscovery()
    {
        var model = new Sequential(new Dense(3, "tanh", inputSize: 2), new BatchNorm(), new Dense(1, inputSize: 3));
        model.Call(Input);
        int discoveries = model.DiscoveryCount;

        var parameters = model.Parameters();
        var named = model.NamedParameters();
        var buffers = model.NamedBuffers();
        for (int i = 0; i < 5; i++)
        {
            model.Call(Input);
            Assert.Same(parameters, model.Parameters());
            Assert.Same(named, model.NamedParameters());
            Assert.Same(buffers, model.NamedBuffers());
        }

        Assert.Equal(6, parameters.Count);
        Assert.Equal(discoveries, model.DiscoveryCount);
        Assert.Throws<NotSupportedException>(() => ((IList<Tensor>)parameters)[0] = Tensor.Ones([1]));
    }

    [Fact]
    public void LazyLayer_MarkBuilt_ParameterIsNamedBeforeItsFirstUse()
    {
        var scale = new LazyScale();
        var model = new Sequential(new Dense(3, inputSize: 2), scale);
        model.Call(Input);
        Assert.Equal("lazy_scale.weight", scale.NameAtFirstUse);
    }

    [Fact]
    public void LazyDense_InsideCustomModelInsideSequential_KernelCarriesItsFullPathDuringTheFirstForward()
    {
        var probe = new ReadsInnerName();
        var model = new Sequential(new Dense(2, inputSize: 2), probe);
        model.Call(Input);
        Assert.Equal("reads_inner_name.inner.kernel", probe.KernelNameDuringForward);
    }

    [Fact]
    public void SubLayerCreatedDuringTheFirstForward_IsNamedWhenItBuilds()
    {
        var probe = new CreatesSubLayerLazily();
        var model = new Sequential(probe);
        model.Call(Input);
        Assert.Equal("creates_sub_layer_lazily.inner.kernel", probe.KernelNameDuringForward);
        Assert.Equal(
            new[] { "creates_sub_layer_lazily.inner.kernel", "creates_sub_layer_lazily.inner.bias" },
            model.NamedParameters().Select(p => p.Value.Name).ToArray());
    }

    [Fact]
    public void OptimizerOnModel_StepAndZeroGrad_RunNoDiscovery()
    {
        var model = new Sequential(new Dense(4, "tanh"), new Dense(1));
        var optimizer = new Adam(model, learningRate: 0.01);
        var loss = new MeanSquaredError();
        var target = Tensor.FromArray(new float[] { 1, 0, -1 }, 3, 1);

        void TrainStep()
        {
            optimizer.ZeroGrad();
            loss.Compute(model.Call(Input), target).Backward();
            optimizer.Step();
        }

        TrainStep();
        int discoveries = model.DiscoveryCount;
        var parameters = model.Parameters();
        for (int i = 0; i < 10; i++)
        {
            TrainStep();
        }

        Assert.Equal(discoveries, model.DiscoveryCount);
        Assert.Same(parameters, optimizer.Parameters);
        Assert.Equal(new[] { "dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias" }, parameters.Select(p => p.Name).ToArray());
    }

    [Fact]
    public void LazyBuild_ParametersListIsReplacedByTheBuiltOne()
    {
        var model = new Sequential(new Dense(3), new Dense(1));
        var before = model.Parameters();
        Assert.Empty(before);
        model.Call(Input);
        var after = model.Parameters();
        Assert.NotSame(before, after);
        Assert.Equal(new[] { "dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias" }, after.Select(p => p.Name).ToArray());
        Assert.Equal(new[] { 2, 3 }, after[0].Shape.ToArray());
    }

    [Fact]
    public void To_Float64_ListFollowsTheNewTensorsAndNamesThem()
    {
        var model = new Sequential(new Dense(2, inputSize: 2), new BatchNorm());
        model.Call(Input);
        var before = model.Parameters();
        model.To(DType.Float64);
        var after = model.Parameters();
        Assert.NotSame(before, after);
        Assert.All(after, p => Assert.Equal(DType.Float64, p.DType));
        Assert.All(model.NamedParameters().Concat(model.NamedBuffers()), p => Assert.Equal(p.Key, p.Value.Name));
        Assert.DoesNotContain(after, p => before.Contains(p));
    }

    [Fact]
    public void LoadStateDict_ValuesOnly_KeepsTheCachedListAndRunsNoDiscovery()
    {
        var model = new Sequential(new Dense(2, inputSize: 2));
        var parameters = model.Parameters();
        int discoveries = model.DiscoveryCount;
        model.LoadStateDict(new Dictionary<string, Tensor> { ["dense.kernel"] = Tensor.Full([2, 2], 3.0), ["dense.bias"] = Tensor.Full([2], -1.0) });
        Assert.Same(parameters, model.Parameters());
        Assert.Equal(discoveries, model.DiscoveryCount);
        Assert.Equal(new[] { 3f, 3f, 3f, 3f }, parameters[0].ToArray());
    }

    [Fact]
    public void FieldAssignedAfterConstruction_PickedUpWithoutAnyCall_AndFollowedByTheOptimizer()
    {
        var model = new Mutable();
        var optimizer = new Sgd(model, learningRate: 0.1);
        Assert.Equal(new[] { "head.kernel", "head.bias", "scales.a" }, optimizer.Parameters.Select(p => p.Name).ToArray());

        var newHead = new Dense(1, useBias: false, inputSize: 2);
        model.Head = newHead;
        Assert.Equal(new[] { "head.kernel", "scales.a" }, model.NamedParameters().Select(p => p.Key).ToArray());
        Assert.Same(newHead.Kernel, optimizer.Parameters[0]);
        Assert.Equal("head.kernel", newHead.Kernel!.Name);
    }

    [Fact]
    public void ListDictionaryAndRequiresGradChanges_AreReflected()
    {
        var model = new Mutable();
        _ = model.Parameters();

        model.Extras.Add(new Dense(1, inputSize: 1));
        Assert.Equal(new[] { "head.kernel", "head.bias", "extras.0.kernel", "extras.0.bias", "scales.a" }, model.NamedParameters().Select(p => p.Key).ToArray());

        model.Scales["b"] = Tensor.Ones([1]).RequireGrad();
        model.Scales.Remove("a");
        Assert.Equal("scales.b", model.NamedParameters()[^1].Key);

        model.Offset.RequireGrad();
        Assert.Equal(new[] { "scales.b", "offset" }, model.NamedParameters().TakeLast(2).Select(p => p.Key).ToArray());
    }

    [Fact]
    public void SequentialAddAndRename_AreReflected()
    {
        var model = new Sequential(new Dense(2, inputSize: 2));
        _ = model.Parameters();
        var added = new Dense(1, inputSize: 2);
        model.Add(added);
        Assert.Equal(new[] { "dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias" }, model.Parameters().Select(p => p.Name).ToArray());

        added.Name = "head";
        Assert.Equal(new[] { "dense.kernel", "dense.bias", "head.kernel", "head.bias" }, model.Parameters().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void NestedLazyModel_BuildInvalidatesAncestors_NamesAreFullPaths()
    {
        var inner = new Sequential(new Dense(2));
        var outer = new Sequential(inner, new Dense(1));
        Assert.Empty(inner.Parameters());
        Assert.Empty(outer.Parameters());

        outer.Call(Input);
        Assert.Equal(new[] { "dense.kernel", "dense.bias" }, inner.NamedParameters().Select(p => p.Key).ToArray());
        Assert.Equal(
            new[] { "sequential.dense.kernel", "sequential.dense.bias", "dense.kernel", "dense.bias" },
            outer.Parameters().Select(p => p.Name).ToArray());
        Assert.Same(inner.Parameters()[0], outer.Parameters()[0]);
    }

    [Fact]
    public void LayerRemovedFromItsHolder_NamesItselfAgainWhenUsedAlone()
    {
        var model = new Mutable();
        var oldHead = (Dense)model.Head;
        model.Call(Input);
        Assert.Equal("head.kernel", oldHead.Kernel!.Name);

        model.Head = new Dense(1, inputSize: 2);
        model.Call(Input);
        oldHead.Call(Input);
        Assert.Equal("kernel", oldHead.Kernel.Name);
    }
}
