using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using AutoGrad.NN;
using AutoGrad.NN.Initializers;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Optimizers;
using AutoGrad.Tensors;
using AutoGrad.Tests.IO;

namespace AutoGrad.Tests.NN;

public class CheckpointTests
{
    private static readonly Tensor X = Tensor.RandN([6, 3], new Generator(11));
    private static readonly Tensor Y = Tensor.RandN([6, 1], new Generator(12));

    private static Sequential Build(int seed) =>
        new(new Dense(4, "tanh", kernelInitializer: new GlorotUniform(seed), inputSize: 3), new BatchNorm(), new Dense(1, kernelInitializer: new GlorotUniform(seed + 1), inputSize: 4));

    private static void Train(Sequential model, Optimizer optimizer, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            optimizer.ZeroGrad();
            new AutoGrad.NN.Losses.MeanSquaredError().Compute(model.Call(X), Y).Backward();
            optimizer.Step();
        }
    }

    [Fact]
    public void SaveLoad_WeightsBuffersAndAdamState_ContinueTrainingIdentically()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var original = Build(1);
        var optimizer = new Adam(original, 0.01);
        Train(original, optimizer, 3);
        original.Save(path, optimizer);

        var restored = Build(7);
        restored.Call(X);
        var restoredOptimizer = new Adam(restored, 0.01);
        restored.Load(path, restoredOptimizer);
        Assert.Equal(original.StateDict().Values.SelectMany(t => t.ToArray()), restored.StateDict().Values.SelectMany(t => t.ToArray()));
        Assert.Equal(3, restoredOptimizer.StepCount);

        Train(original, optimizer, 2);
        Train(restored, restoredOptimizer, 2);
        Assert.Equal(original.Parameters().SelectMany(t => t.ToArray()), restored.Parameters().SelectMany(t => t.ToArray()));
    }

    [Fact]
    public void Save_File_FollowsTheSafetensorsHeaderSpecification()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var model = new Sequential(new Dense(2, inputSize: 3));
        model.Save(path);
        byte[] bytes = File.ReadAllBytes(path);

        // 8-byte little-endian header length, then a JSON object; data offsets relative to the end of the header.
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength));
        var kernel = header.RootElement.GetProperty("dense.kernel");
        Assert.Equal("F32", kernel.GetProperty("dtype").GetString());
        Assert.Equal(new[] { 3, 2 }, kernel.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        var offsets = kernel.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(24, offsets[1] - offsets[0]);
        Assert.Equal("autograd", header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());

        var stored = new float[6];
        Buffer.BlockCopy(bytes, 8 + (int)headerLength + offsets[0], stored, 0, 24);
        Assert.Equal(model.Parameters()[0].ToArray(), stored);
        Assert.Equal(bytes.Length, 8 + (int)headerLength + 24 + 8);
    }

    [Fact]
    public void Load_ShapeDtypeAndNameMismatches_ExactMessageAndNothingLoaded()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        new Sequential(new Dense(3, inputSize: 2), new Dense(1, inputSize: 3)).Save(path);

        var other = new Sequential(new Dense(4, inputSize: 2, kernelInitializer: new Constant(5)), new Dense(1, inputSize: 4, name: "head"));
        other.To(DType.Float64);
        var error = Assert.Throws<InvalidDataException>(() => other.Load(path));
        Assert.Equal(
            $"Load: '{path}' does not match the model (6 problems; nothing was loaded):\n" +
            "  - 'dense.bias': found f32[3], but the model has f64[4]\n" +
            "  - 'dense.kernel': found f32[2,3], but the model has f64[2,4]\n" +
            "  - 'head.bias': missing (the model has f64[1])\n" +
            "  - 'head.kernel': missing (the model has f64[4,1])\n" +
            "  - 'dense_1.bias': not in the model\n" +
            "  - 'dense_1.kernel': not in the model",
            error.Message);
        Assert.All(other.Parameters()[0].ToArray<double>(), v => Assert.Equal(5.0, v));
    }

    [Fact]
    public void Load_UnbuiltLazyModel_ExplainsThatItMustBeBuilt()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        new Sequential(new Dense(1, inputSize: 2)).Save(path);
        var error = Assert.Throws<InvalidDataException>(() => new Sequential(new Dense(1)).Load(path));
        Assert.EndsWith("  - the model has no parameters yet: layers that infer their input size create them on the first call, so call the model once (or Build) before loading", error.Message);
    }

    [Fact]
    public void Load_TruncatedFile_InvalidDataAndModelUnchanged()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var source = new Sequential(new Dense(2, inputSize: 3));
        source.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);

        var model = new Sequential(new Dense(2, inputSize: 3, kernelInitializer: new Constant(1)));
        var error = Assert.Throws<InvalidDataException>(() => model.Load(path));
        Assert.StartsWith($"'{path}' is not a valid safetensors file:", error.Message);
        Assert.All(model.Parameters()[0].ToArray(), v => Assert.Equal(1f, v));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(12)]
    public void Load_GarbageOrTinyFile_InvalidDataNotIndexOutOfRange(int length)
    {
        using var directory = new TempDirectory();
        string path = directory.File("garbage.safetensors");
        File.WriteAllBytes(path, Enumerable.Range(0, length).Select(i => (byte)(i * 37)).ToArray());
        var model = new Sequential(new Dense(2, inputSize: 3));
        Assert.Throws<InvalidDataException>(() => model.Load(path));
    }

    [Fact]
    public void Load_OptimizerStateForAnotherOptimizer_NamesBoth()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var model = Build(1);
        var adam = new Adam(model);
        Train(model, adam, 1);
        model.Save(path, adam);
        var error = Assert.Throws<InvalidDataException>(() => model.Load(path, new Sgd(model, momentum: 0.9)));
        Assert.Contains("  - the optimizer state is for 'adam', but a 'sgd' optimizer was given", error.Message);
    }

    [Fact]
    public void Save_OverExistingCheckpoint_LeavesNoTemporaryFiles()
    {
        using var directory = new TempDirectory();
        string path = directory.File("model.safetensors");
        var model = new Sequential(new Dense(2, inputSize: 3));
        model.Save(path);
        model.Save(path);
        Assert.Equal(new[] { "model.safetensors" }, directory.FileNames());
    }
}
