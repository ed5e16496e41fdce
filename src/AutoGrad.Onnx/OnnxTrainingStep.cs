using AutoGrad.Graphs;
using AutoGrad.Graphs.Compilation;
using AutoGrad.IO;
using Google.Protobuf;

namespace AutoGrad.Onnx;

/// <summary>
/// A whole training step exported as a pure ONNX model (IR 8, opset 17, standard <c>ai.onnx</c> ops only): the state
/// the step writes in place in AutoGrad — parameters, optimizer slots, step counts, BatchNorm running statistics — is an
/// input and its new value an output, so any ONNX engine trains the model by running the step in a loop and feeding the
/// outputs back.
/// </summary>
/// <remarks>
/// <para>Inputs, in this order: the batch (<see cref="InputNames"/>, default <c>input</c>, <c>target</c>); every state
/// tensor the step writes (<see cref="State"/>, named as in <see cref="Graph.Parameters"/>: <c>dense.kernel</c>,
/// <c>dense.kernel.m</c>, <c>dense.kernel.step</c>); the tensors the updates only read (<see cref="Hyperparameters"/>:
/// the learning rate <c>optimizer.learning_rate</c>, a float64 scalar, so a schedule changes a fed value). Every other
/// captured tensor is a fixed initializer.</para>
/// <para>Outputs, in this order: the step function's outputs (<see cref="OutputNames"/>, default <c>loss</c>: the loss of
/// the batch before the update), then each state tensor's new value, named by appending <see cref="NewSuffix"/>
/// (<c>dense.kernel.new</c>), in the order of <see cref="State"/>. Step counts are float64 scalars, as in AutoGrad.</para>
/// <para>Each state write becomes the ops that compute the new values, with the formulas of the update kernels
/// evaluated in the same order (see <c>docs/onnx.md</c>): <c>sgd_update</c> (momentum, Nesterov, dampening, weight
/// decay, the buffer set to the gradient on the first step), <c>adam_update</c> (Adam and AdamW, bias corrections from
/// the incremented step with <c>Pow</c>, moments flushed to zero below the smallest normal number as the kernel does),
/// <c>rmsprop_update</c>, <c>adagrad_update</c>, and <c>assign</c> (the value becomes the target's new value). A read of a
/// state tensor after its write sees the new value, as in place.</para>
/// </remarks>
public sealed class OnnxTrainingStep
{
    /// <summary>Appended to a state tensor's name to name the output holding its new value.</summary>
    public const string NewSuffix = ".new";

    private readonly byte[] bytes;

    private OnnxTrainingStep(byte[] bytes, IReadOnlyList<string> inputNames, IReadOnlyList<string> outputNames,
        IReadOnlyList<GraphParameter> state, IReadOnlyList<GraphParameter> hyperparameters)
    {
        this.bytes = bytes;
        InputNames = inputNames;
        OutputNames = outputNames;
        State = state;
        Hyperparameters = hyperparameters;
    }

    /// <summary>The names of the batch inputs (the graph's inputs), the model's first inputs.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>The names of the step function's outputs (the loss first), the model's first outputs.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>
    /// The state tensors the step writes, each an input under its <see cref="GraphParameter.Name"/> and an output under
    /// the name plus <see cref="NewSuffix"/>. <see cref="GraphParameter.Value"/> is the live AutoGrad tensor: its values at
    /// export time are the state to start an ONNX training loop from.
    /// </summary>
    public IReadOnlyList<GraphParameter> State { get; }

    /// <summary>The tensors the updates read but never write (the learning rate): inputs only, fed at every step.</summary>
    public IReadOnlyList<GraphParameter> Hyperparameters { get; }

    /// <summary>Exports a training-step graph, such as <see cref="CompiledTrainingStep.Graph"/>.</summary>
    /// <param name="graph">A graph whose state-writing nodes (<c>Op.Effect == WritesState</c>) write captured tensors.</param>
    /// <param name="options">Names of the batch inputs and the step's outputs, and metadata; null for the defaults
    /// (<c>input</c>, <c>target</c> for a graph of two inputs; <c>loss</c> for the first output, <c>output_1</c>, … for
    /// further ones).</param>
    /// <returns>The exported step.</returns>
    /// <exception cref="ArgumentException">The graph writes no state, a write targets a value that is not a captured
    /// tensor, or names collide.</exception>
    /// <exception cref="NotSupportedException">A node's op has no ONNX counterpart; the message names the op and the node.</exception>
    public static OnnxTrainingStep Export(Graph graph, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        options ??= new OnnxExportOptions();
        options = options with
        {
            InputNames = options.InputNames ?? (graph.Inputs.Length == 2 ? ["input", "target"] : null),
            OutputNames = options.OutputNames ?? ["loss", .. Enumerable.Range(1, graph.Outputs.Length - 1).Select(i => $"output_{i}")],
        };
        StepState step = StepState.Of(graph);
        byte[] bytes = OnnxExporter.Export(graph, options, step).ToByteArray();
        var inputNames = options.InputNames ?? [.. Enumerable.Range(0, graph.Inputs.Length).Select(i => graph.Inputs.Length == 1 ? "input" : $"input_{i}")];
        return new OnnxTrainingStep(bytes, inputNames, options.OutputNames,
            [.. step.State.Select(i => graph.Parameters[i])], [.. step.Hyperparameters.Select(i => graph.Parameters[i])]);
    }

    /// <summary>The serialized <c>ModelProto</c>.</summary>
    /// <returns>A copy of the model's bytes.</returns>
    public byte[] ToBytes() => (byte[])bytes.Clone();

    /// <summary>Writes the model to <paramref name="path"/>, replacing the file atomically.</summary>
    /// <param name="path">The file to write.</param>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>The state-writing ops a training-step export decomposes, each with the ONNX ops that compute its new values.</summary>
    public static IReadOnlyDictionary<string, string> StateWriteOps => OnnxExporter.StateWriteTable;

    /// <summary>The output name of <paramref name="stateName"/>'s new value: the name plus <see cref="NewSuffix"/>.</summary>
    /// <param name="stateName">A state tensor's name (an input of the model).</param>
    /// <returns>The output's name.</returns>
    public static string NewName(string stateName) => stateName + NewSuffix;
}

/// <summary>ONNX export of whole training steps.</summary>
public static class TrainingStepOnnxExtensions
{
    /// <summary>
    /// Writes <paramref name="step"/>'s traced graph — forward, gradient and the optimizer's update — as an ONNX model
    /// that takes the parameters, the optimizer state, a batch and the learning rate and returns the loss, the new
    /// parameters and the new state (see <see cref="OnnxTrainingStep"/> for the names and order). The file is replaced
    /// atomically.
    /// </summary>
    /// <param name="step">The training step.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="options">Batch input and output names and metadata; null for the defaults (<c>input</c>, <c>target</c>; <c>loss</c>).</param>
    /// <returns>The exported step: its input and output names and the state to start from.</returns>
    /// <exception cref="NotSupportedException">A node's op has no ONNX counterpart (such as <c>dropout_mask</c>).</exception>
    public static OnnxTrainingStep ToOnnx(this CompiledTrainingStep step, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        OnnxTrainingStep exported = step.ToOnnxTrainingStep(options);
        exported.Save(path);
        return exported;
    }

    /// <summary>Exports <paramref name="step"/>'s traced graph in memory; see <see cref="ToOnnx"/>.</summary>
    /// <param name="step">The training step.</param>
    /// <param name="options">Batch input and output names and metadata; null for the defaults.</param>
    /// <returns>The exported step.</returns>
    public static OnnxTrainingStep ToOnnxTrainingStep(this CompiledTrainingStep step, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        return OnnxTrainingStep.Export(step.Graph, options);
    }
}
