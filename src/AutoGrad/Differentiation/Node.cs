using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Differentiation;

/// <summary>
/// One recorded operation on the tape: the op (with its attributes), where each input came from, the input and output
/// types, and only the values the op's gradient rule declared it needs. The tape is the graph of nodes reachable
/// from a result through <see cref="Tensor.GradFn"/>; it belongs to the thread that built it.
/// </summary>
public sealed class Node
{
    private readonly Edge[] inputs;
    private Tensor?[]? saved;
    private int[]? savedVersions;
    private bool released;

    internal Node(Op op, ReadOnlySpan<Tensor> inputValues, Tensor output, TensorType[] inputTypes)
    {
        Op = op;
        InputTypes = inputTypes;
        OutputType = output.Type;
        inputs = new Edge[inputValues.Length];
        for (int i = 0; i < inputValues.Length; i++)
        {
            Tensor input = inputValues[i];
            inputs[i] = new Edge(input.gradFn, input.gradFn is null ? input : null, input.RequiresGrad);
        }

        SavedValues saves = op.Saves;
        if (saves != SavedValues.None)
        {
            int count = inputValues.Length + 1;
            saved = new Tensor?[count];
            savedVersions = new int[count];
            for (int i = 0; i < inputValues.Length; i++)
            {
                if ((saves & SavedValues.AllInputs) != 0 || (i < 3 && ((int)saves & (1 << i)) != 0))
                {
                    saved[i] = inputValues[i];
                    savedVersions[i] = inputValues[i].Version;
                }
            }

            if ((saves & SavedValues.Output) != 0)
            {
                saved[^1] = output;
                savedVersions[^1] = output.Version;
            }
        }

        if (AnomalyMode.IsEnabled)
        {
            CreationSite = AnomalyMode.CallerSite();
        }
    }

    /// <summary>The operation.</summary>
    public Op Op { get; }

    /// <summary>The types of the inputs, in order.</summary>
    public TensorType[] InputTypes { get; }

    /// <summary>The type of the output.</summary>
    public TensorType OutputType { get; }

    /// <summary>Where in user code the node was created; recorded only in anomaly mode.</summary>
    public string? CreationSite { get; }

    /// <summary>True after a backward pass without <c>retainGraph</c> freed the saved values.</summary>
    public bool IsReleased => released;

    /// <summary>The number of inputs.</summary>
    public int InputCount => inputs.Length;

    /// <summary>The node that produced an input, or null when the input is a leaf.</summary>
    public Node? InputNode(int index) => inputs[index].Producer;

    /// <summary>The leaf tensor given as an input (a parameter or a constant), or null when the input was produced by a node.</summary>
    public Tensor? InputLeaf(int index) => inputs[index].Leaf;

    /// <summary>Whether the input at <paramref name="index"/> requires a gradient.</summary>
    public bool NeedsGrad(int index) => inputs[index].RequiresGrad;

    internal ref readonly Edge Input(int index) => ref inputs[index];

    // Walk bookkeeping: a per-walk stamp avoids a visited set and keeps the order deterministic.
    internal long WalkStamp;
    internal int WalkIndex;

    internal Tensor SavedInput(int index) => Saved(index, $"input {index}");

    internal Tensor SavedOutput() => Saved(inputs.Length, "output");

    private Tensor Saved(int slot, string what)
    {
        if (released)
        {
            throw new InvalidOperationException(
                $"The graph through '{Op.Name}' was already released by a backward pass. Pass retainGraph: true to the first Backward() to differentiate it again.");
        }

        Tensor? value = saved?[slot];
        if (value is null)
        {
            throw new InvalidOperationException($"Op '{Op.Name}' reads its {what} in its gradient rule but did not declare it in Saves.");
        }

        if (value.Version != savedVersions![slot])
        {
            throw new InvalidOperationException(
                $"A tensor of type {value.Type} saved by '{Op.Name}' as its {what} for the gradient was modified in place after it was saved " +
                $"(version {savedVersions[slot]} when saved, {value.Version} now). Clone it before modifying it, or modify it before using it.");
        }

        return value;
    }

    internal void CheckNotReleased()
    {
        if (released)
        {
            throw new InvalidOperationException(
                $"The graph through '{Op.Name}' was already released by a backward pass. Pass retainGraph: true to the first Backward() to differentiate it again.");
        }
    }

    internal void Release()
    {
        released = true;
        saved = null;
        savedVersions = null;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Op} -> {OutputType}";
}

/// <summary>Where an input of a node came from: another node, or a leaf tensor.</summary>
internal readonly record struct Edge(Node? Producer, Tensor? Leaf, bool RequiresGrad);
