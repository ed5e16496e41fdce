using AutoGrad.Data;
using AutoGrad.NN;
using AutoGrad.NN.Callbacks;
using AutoGrad.NN.Functional;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Metrics;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Schedules;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;
using AutoGrad.Tests.IO;

namespace AutoGrad.Tests.NN.Docs;

// The code blocks of docs/nn.md, verbatim inside these tests; DocSnippetTests fails when they drift apart.
public class NnDocTests
{
    private static T OnFreshThread<T>(Func<T> body)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException("The snippet failed.", failure);
    }

    [Fact]
    public void KerasStyle_Snippet_LearnsXor()
    {
        var predictions = OnFreshThread(() =>
        {
            var x = Tensor.FromArray(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });
            var y = Tensor.FromArray(new float[] { 0, 1, 1, 0 }, 4, 1);

            var model = new Sequential(new Dense(3, "relu"), new Dense(1, "sigmoid"));
            model.Compile("rmsprop", "binary_cross_entropy", "accuracy");
            History history = model.Fit(x, y, epochs: 1000, verbose: Verbosity.Silent);
            Tensor predictions = model.Predict(x);

            Assert.Equal(1.0, history["accuracy"][^1]);
            return predictions.ToArray();
        });

        Assert.True(predictions[0] < 0.5 && predictions[1] > 0.5 && predictions[2] > 0.5 && predictions[3] < 0.5);
    }

    [Fact]
    public void IntegerAndBooleanTensors_Snippet_GivesTheDocumentedDTypesAndValues()
    {
        Tensor labels = Tensor.FromArray(new long[] { 2, 0, 1 });          // Int64, as torch.tensor([2, 0, 1])
        Tensor logits = Tensor.FromArray(new float[] { 1, 2, 3, 3, 1, 0, 0, 4, 1 }, 3, 3);
        Tensor loss = new CrossEntropy().Compute(logits, labels);
        Tensor predicted = logits.ArgMax(1);                               // Int64: [2 0 1]
        Tensor correct = predicted.Equal(labels);                          // Bool:  [ True  True  True]
        long hits = correct.Sum().Item<long>();                            // a bool sum is Int64: 3
        Tensor kept = Tensor.Where(logits.Greater(1.5), logits, Tensor.Scalar(0.0)); // where takes a Bool mask
        Tensor scaled = labels * 0.5;                                      // Int64 × double → Float32 [1 0 0.5]

        Assert.Equal(DType.Float32, loss.DType);
        Assert.Equal("[2 0 1]", predicted.ToString());
        Assert.Equal(DType.Bool, correct.DType);
        Assert.Equal("[ True  True  True]", correct.ToString());
        Assert.Equal(3, hits);
        Assert.Equal(new float[] { 0, 2, 3, 3, 0, 0, 0, 4, 0 }, kept.ToArray());
        Assert.Equal(DType.Float32, scaled.DType);
        Assert.Equal(new[] { 1f, 0, 0.5f }, scaled.ToArray());
    }

    [Fact]
    public void JitCompile_Snippet_TrainsThroughTheCompiledStep()
    {
        var jitModel = new Sequential(new Dense(16, "relu"), new Dense(3));
        jitModel.Compile(new Adam(jitModel, 0.01), new CrossEntropy(), ["accuracy"], jit: true);

        var generator = new Generator(1);
        Tensor x = Tensor.RandN([64, 4], generator);
        // Classes 0, 1, 2 as Int64 labels (bool + bool would be a logical or, as in PyTorch).
        Tensor y = x.Sum(1).Greater(0.0).To(DType.Int64).Add(x.Slice(1, 0, 1).Reshape(64).Greater(0.5).To(DType.Int64));
        History history = jitModel.Fit(x, y, epochs: 30, batchSize: 16, seed: 2, verbose: Verbosity.Silent);
        Assert.True(jitModel.Jit);
        Assert.True(history["loss"][^1] < history["loss"][0] * 0.7, $"{history["loss"][0]} -> {history["loss"][^1]}");
    }

    /// <summary>The first <paramref name="n"/> MNIST test images in [0, 1], their labels, and 1 for an odd digit.</summary>
    private static (Tensor Images, Tensor Digits, Tensor Odd) MnistSlice(int n)
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "AutoGrad.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("No AutoGrad.sln above the test binaries.");
        }

        MnistSplit split = MnistFiles.LoadTest(Path.Combine(root, "examples", "Mnist", "data"));
        var pixels = new float[n * split.PixelsPerImage];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = split.Images[i] / 255f;
        }

        long[] labels = [.. split.Labels.Take(n).Select(l => (long)l)];
        return (Tensor.FromArray(pixels, n, split.PixelsPerImage), Tensor.FromArray(labels, n), Tensor.FromArray([.. labels.Select(l => (float)(l % 2))], n, 1));
    }

    [Fact]
    public void FunctionalApi_DigitAndParityHeads_LossFallsOnMnist()
    {
        var (images, digits, odd) = MnistSlice(512);
        var (history, summary, predictions) = OnFreshThread(() =>
        {

        var image = Input.Of(784, name: "image");
        var trunk = new Dense(64, "relu").Call(image);
        var digit = new Dense(10, name: "digit").Call(trunk);        // logits of the ten classes
        var parity = new Dense(1, name: "parity").Call(trunk);       // logit of "the digit is odd"
        var model = new FunctionalModel([image], [digit, parity], name: "digit_parity");

        model.Compile(new Adam(model, learningRate: 0.003),
            new Dictionary<string, Loss> { ["digit"] = new CrossEntropy(), ["parity"] = new BinaryCrossEntropyWithLogits() },
            lossWeights: new Dictionary<string, double> { ["parity"] = 0.5 },
            metrics: new Dictionary<string, Metric[]> { ["digit"] = ["accuracy"] });
        History history = model.Fit(
            new Dictionary<string, Tensor> { ["image"] = images },
            new Dictionary<string, Tensor> { ["digit"] = digits, ["parity"] = odd },
            epochs: 3, batchSize: 64, verbose: Verbosity.Silent);
        Tensor[] predictions = model.Predict([images]);             // [N, 10] and [N, 1], in OutputNames order

            return (history, model.Summary(), predictions);
        });

        Assert.Equal(["loss", "digit_loss", "parity_loss", "digit_accuracy"], history.Keys);
        Assert.True(history["loss"][^1] < 0.7 * history["loss"][0], $"loss {history["loss"][0]} -> {history["loss"][^1]}");
        Assert.True(history["parity_loss"][^1] < history["parity_loss"][0]);
        Assert.Equal([512, 10], predictions[0].Shape.ToArray());
        Assert.Equal([512, 1], predictions[1].Shape.ToArray());

        // The summary shown in docs/nn.md (parameters by hand: 784·64 + 64, 64·10 + 10, 64 + 1).
        Assert.Equal(
            "Model: \"digit_parity\"\n" +
            "=======================================================\n" +
            "Layer (type)        Output Shape  Param #  Connected to\n" +
            "=======================================================\n" +
            "image (InputLayer)  (None, 784)         0  -\n" +
            "dense (Dense)       (None, 64)     50,240  image[0][0]\n" +
            "digit (Dense)       (None, 10)        650  dense[0][0]\n" +
            "parity (Dense)      (None, 1)          65  dense[0][0]\n" +
            "=======================================================\n" +
            "Total params: 50,955\n" +
            "Trainable params: 50,955\n" +
            "Non-trainable params: 0\n",
            summary);
    }

    [Fact]
    public void ManualLoopAndSaveLoad_Snippets_LearnAndRoundTrip()
    {
        using var directory = new TempDirectory();
        string path = directory.File("xor.safetensors");
        var x = Tensor.FromArray(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });
        var y = Tensor.FromArray(new float[] { 0, 1, 1, 0 }, 4, 1);
        OnFreshThread(() =>
        {

        var model = new Sequential(new Dense(3, "tanh"), new Dense(1, "tanh"));
        model.Call(x);                                   // builds the lazy layers
        var optimizer = new Sgd(model.Parameters(), learningRate: 0.1);
        var loss = new MeanSquaredError();
        var loader = new DataLoader(new TensorDataset(x, y), batchSize: 1, shuffle: true, seed: 0);
        for (int epoch = 0; epoch < 1000; epoch++)
        {
            foreach (Tensor[] batch in loader)
            {
                optimizer.ZeroGrad();
                loss.Compute(model.Call(batch[0]), batch[1]).Backward();
                optimizer.Step();
            }
        }

        Assert.True(loss.Compute(model.Call(x), y).ItemDouble() < 0.01);

        model.Save(path, optimizer);

        var restored = new Sequential(new Dense(3, "tanh"), new Dense(1, "tanh"));
        restored.Call(x);
        var restoredOptimizer = new Sgd(restored.Parameters(), learningRate: 0.1);
        restored.Load(path, restoredOptimizer);

        Assert.Equal(model.Call(x).ToArray(), restored.Call(x).ToArray());
        return 0;
        });
    }

    [Fact]
    public void PyTorchNaming_Snippet_LoadsTorchWeightsAndWritesTorchNames()
    {
        using var directory = new TempDirectory();
        string torchFile = Path.Combine(AppContext.BaseDirectory, "data", "pytorch", "mnist_mlp.torch.safetensors");
        string forTorch = directory.File("for-torch.safetensors");

        var mlp = new Sequential(new Flatten(), new Dense(128, "relu", inputSize: 784), new Dense(10, inputSize: 128));
        mlp.Load(torchFile);                               // written by PyTorch; gives PyTorch's outputs
        mlp.Save(forTorch, naming: WeightNaming.PyTorch);  // 1.weight [128, 784], 1.bias, 3.weight [10, 128], 3.bias

        var written = AutoGrad.IO.SafeTensorsFile.Load(forTorch);
        Assert.Equal(["1.bias", "1.weight", "3.bias", "3.weight"], written.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal([128L, 784L], written["1.weight"].Shape);
        Assert.Equal(AutoGrad.IO.SafeTensorsFile.Load(torchFile)["3.weight"].ToSingles(), written["3.weight"].ToSingles());

        // The error shown on the page, from a fresh thread so the layer names are the first ones ('dense', 'dense_1').
        string message = OnFreshThread(() =>
        {
            var narrow = new Sequential(new Flatten(), new Dense(64, "relu", inputSize: 784), new Dense(10, inputSize: 64));
            return Assert.Throws<InvalidDataException>(() => narrow.Load(torchFile)).Message;
        });
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "AutoGrad.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("AutoGrad.sln not found above " + AppContext.BaseDirectory);
        }

        string page = File.ReadAllText(Path.Combine(root.FullName, "docs", "nn.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        string shown = page[page.IndexOf("Load: 'mnist_mlp.torch.safetensors'", StringComparison.Ordinal)..];
        shown = shown[..shown.IndexOf("\n```", StringComparison.Ordinal)];
        Assert.Equal(shown, message.Replace(torchFile, "mnist_mlp.torch.safetensors", StringComparison.Ordinal));
    }

    [Fact]
    public void Callbacks_Snippet_RunsWithValidation()
    {
        using var directory = new TempDirectory();
        string path = directory.File("best.safetensors");
        var x = Tensor.RandN([40, 2], new Generator(5));
        var y = x.Sum(-1, keepDims: true).Greater(0.0);
        var model = new Sequential(new Dense(8, "relu"), new Dense(1, "sigmoid"));
        model.Compile(new Adam(model, learningRate: 0.01), "binary_cross_entropy", "accuracy");

        History history = model.Fit(x, y, epochs: 100, batchSize: 8, validationSplit: 0.25, verbose: Verbosity.Silent, callbacks:
        [
            new EarlyStopping("val_loss", patience: 5, restoreBestWeights: true),
            new ModelCheckpoint(path, monitor: "val_loss", saveBestOnly: true),
            new LearningRateScheduler(new CosineDecay(0.01, totalSteps: 100)),
        ]);

        Assert.True(File.Exists(path));
        Assert.Equal(history.Epochs, history["val_loss"].Count);
        Assert.Contains("val_accuracy", history.Keys);
    }

    [Fact]
    public void ConvolutionOptions_Snippet_GivesTheCommentedShapes()
    {
        var images = Tensor.RandN([2, 4, 9, 7]);
        var block = new Sequential(
            new Conv2D(8, (3, 5), padding: "same", paddingMode: PaddingMode.Reflect),   // [2, 8, 9, 7]
            new Conv2D(8, 3, stride: 2, padding: 1, groups: 8),                          // depthwise: [2, 8, 5, 4]
            new MaxPool2D((2, 3), ceilMode: true),                                       // [2, 8, 3, 2]
            new ConvTranspose2D(4, 3, stride: 2, padding: 1, outputPadding: 1));         // [2, 4, 6, 4]
        Tensor y = block.Call(images);

        Tensor padded = images.Pad([(0, 0), (0, 0), (2, 2), (1, 1)], PaddingMode.Replicate);   // [2, 4, 13, 9]
        Tensor normalized = images.LayerNorm([9, 7]);                                          // F.layer_norm

        Assert.Equal(new[] { 2, 4, 6, 4 }, y.Shape.ToArray());
        Assert.Equal(new[] { 8, 1, 3, 3 }, ((Conv2D)block.Layers[1]).Kernel!.Shape.ToArray());
        Assert.Equal(new[] { 2, 4, 13, 9 }, padded.Shape.ToArray());
        Assert.Equal(images.ToArray()[0], padded.ToArray()[0]);   // the corner replicates x[0, 0, 0, 0]
        Assert.Equal(0.0, normalized.Slice(0, 0, 1).Slice(1, 0, 1).Mean().ItemDouble(), 5);
    }

    [Fact]
    public void SequenceLayers_Snippet_ReturnsStatesAndFeedsAHead()
    {
        var generator = new Generator(3);
        var sequence = Tensor.RandN([2, 5, 3], generator);
        var h0 = Tensor.RandN([2, 16], generator);
        var c0 = Tensor.RandN([2, 16], generator);

        var lstm = new Lstm(16, returnSequences: true);
        var (outputs, h, c) = lstm.CallWithState(sequence, h0, c0);   // [B, T, 16], [B, 16], [B, 16]

        var classifier = new Sequential(new Gru(32), new Dense(10));    // the last step feeds the head

        Assert.Equal(new[] { 2, 5, 16 }, outputs.Shape.ToArray());
        Assert.Equal(outputs.Slice(1, 4, 5).Reshape(2, 16).ToArray(), h.ToArray());
        Assert.Equal(new[] { 2, 16 }, c.Shape.ToArray());
        Assert.Equal(new[] { 2, 10 }, classifier.Call(sequence).Shape.ToArray());
        Assert.Equal(["gru.weight_ih", "gru.weight_hh", "gru.bias_ih", "gru.bias_hh", "dense.kernel", "dense.bias"], classifier.NamedParameters().Select(p => p.Key));
    }

    [Fact]
    public void Attention_Snippet_MasksPaddingAndBuildsAnEncoder()
    {
        var generator = new Generator(4);
        var query = Tensor.RandN([2, 3, 8], generator);
        var keys = Tensor.RandN([2, 5, 8], generator);
        var padding = Tensor.FromArray(new float[] { 1, 1, 1, 0, 0, 1, 1, 1, 1, 1 }, 2, 5);
        var tokens = Tensor.RandN([2, 28, 8], generator);

        var attention = new MultiHeadAttention(numHeads: 2, embedDim: 8);
        var (output, weights) = attention.CallWithWeights(query, keys, keys, keyPaddingMask: padding);   // [B, 3, 8], [B, 2, 3, 5]

        var encoder = new Sequential(
            new PositionalEmbedding(maxLength: 28, dim: 8),
            new TransformerEncoderBlock(embedDim: 8, numHeads: 2, mlpDim: 16, dropout: 0.1),
            new Flatten(),
            new Dense(10));

        Assert.Equal(new[] { 2, 3, 8 }, output.Shape.ToArray());
        Assert.Equal(new[] { 2, 2, 3, 5 }, weights.Shape.ToArray());
        Assert.Equal(0f, weights.Slice(0, 0, 1).Slice(3, 3, 5).Abs().Max().ToArray()[0]);   // sample 0's padded keys
        Assert.Equal(12f, weights.Sum().ToArray()[0], 4);                                     // every row sums to 1
        Assert.Equal(new[] { 2, 10 }, encoder.Call(tokens).Shape.ToArray());
        Assert.Equal(
            ["positional_embedding.embeddings", "transformer_encoder_block.self_attn.in_proj_weight", "transformer_encoder_block.self_attn.in_proj_bias"],
            encoder.NamedParameters().Take(3).Select(p => p.Key));

        // The custom pre-norm block: causal, so step 0's output ignores every later step.
        var block = new PreNormBlock();
        Tensor x = Tensor.RandN([1, 4, 8], generator);
        Tensor changed = Tensor.Concat([x.Slice(1, 0, 1), Tensor.RandN([1, 3, 8], generator)], 1);
        Assert.Equal(block.Call(x).Slice(1, 0, 1).ToArray(), block.Call(changed).Slice(1, 0, 1).ToArray());
        Assert.Equal(["norm1", "norm2", "attention", "mlp"], block.NamedChildren().Select(c => c.Key));
    }

    /// <summary>A pre-norm encoder block: x + attention(norm(x)), then x + mlp(norm(x)).</summary>
    public sealed class PreNormBlock : Layer
    {
        private readonly LayerNorm norm1 = new(8), norm2 = new(8);
        private readonly MultiHeadAttention attention = new(numHeads: 2, embedDim: 8, causal: true);
        private readonly Sequential mlp = new(new Dense(16, "gelu"), new Dense(8));

        public override Tensor Forward(Tensor input)
        {
            Tensor x = input + attention.Call(norm1.Call(input));
            return x + mlp.Call(norm2.Call(x));
        }
    }
}
