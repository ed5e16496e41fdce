using AutoGrad.Examples.Mnist;
using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.Graphs.Passes;
using AutoGrad.NN;
using AutoGrad.Tensors;
using BenchmarkDotNet.Attributes;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The MNIST <c>cnn</c>'s forward pass (what evaluation and prediction run) compiled without chunk fusion as the baseline,
/// against the same graph compiled with it: the first convolution's ReLU output (86 KB per image) is then pooled a few
/// images at a time while it is in cache instead of going to memory (<see cref="ChunkFusion"/>). Real MNIST test images,
/// the batch sizes of training (128) and of a large evaluation batch (500).
/// </summary>
public class ChunkFusionBenchmarks
{
    private Tensor _images = null!;
    private CompiledGraph _separate = null!;
    private CompiledGraph _fused = null!;

    /// <summary>Images per call.</summary>
    [Params(128, 500)]
    public int Batch { get; set; }

    /// <summary>The batch, the model and both executables (each run once, so every buffer exists).</summary>
    [GlobalSetup]
    public void Setup()
    {
        Tensor all = MnistTensors.Load().Images;
        _images = all.Slice(0, 0, Batch).Reshape([Batch, 1, 28, 28]);
        Generator.ManualSeed(1);
        Sequential model = MnistModels.Create(MnistModels.Cnn);
        model.Call(_images);
        Graph forward = Graph.Trace(x => model.Call(x), TensorSpec.Batched(1, 28, 28));
        try
        {
            ChunkFusion.Enabled = false;
            _separate = forward.Compile();
        }
        finally
        {
            ChunkFusion.Enabled = true;
        }

        _fused = forward.Compile();
        if (_fused.Graph.Nodes.All(n => n.Op.Name != "chunk_fused"))
        {
            throw new InvalidOperationException("ChunkFusionBenchmarks: the compiled cnn forward has no chunk_fused node.");
        }

        _separate.Run(_images);
        _fused.Run(_images);
    }

    /// <summary>The convolution writes its whole output, then the pooling reads it.</summary>
    [Benchmark(Baseline = true)]
    public void Separate() => _separate.Run(_images);

    /// <summary>Convolution and pooling a chunk of images at a time.</summary>
    [Benchmark]
    public void ChunkFused() => _fused.Run(_images);
}
