using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs;

public sealed partial class Graph
{
    /// <summary>
    /// A new graph whose outputs are this graph's outputs followed by the gradients of output <paramref name="output"/>
    /// (of its sum, when it is not a scalar) with respect to the chosen inputs, then the chosen parameters. It is built by
    /// replaying the nodes on the tape and tracing the reverse pass, so the gradient nodes come from the ops' own gradient
    /// rules; the result is an ordinary graph that can be printed, optimized, compiled or differentiated again (second order).
    /// </summary>
    /// <param name="output">The output to differentiate.</param>
    /// <param name="inputs">Input indices to differentiate by (none when null, unless <paramref name="parameters"/> is null too and the graph has no parameters).</param>
    /// <param name="parameters">Parameter names to differentiate by; every parameter that requires grad when both this and <paramref name="inputs"/> are null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An output or input index is out of range.</exception>
    /// <exception cref="ArgumentException">A parameter name is unknown.</exception>
    /// <param name="allowUnused">When true, a chosen value the output does not depend on gets a gradient of zeros (a graph
    /// output cannot be null) instead of an error.</param>
    /// <exception cref="InvalidOperationException">The output does not depend on one of the chosen values (and <paramref name="allowUnused"/> is false).</exception>
    /// <remarks>The gradient outputs are named <c>grad:&lt;parameter&gt;</c> and <c>grad:input&lt;i&gt;</c> (see <see cref="OutputNames"/>).
    /// An optimized graph (with fused nodes) can be differentiated too: a fused node's derivative is its program's.</remarks>
    public Graph Gradient(int output = 0, int[]? inputs = null, string[]? parameters = null, bool allowUnused = false)
    {
        if ((uint)output >= (uint)Outputs.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(output), output, $"Graph.Gradient: the graph has {Outputs.Length} output(s).");
        }

        if (inputs is null && parameters is null)
        {
            // Trainable parameters only: state (optimizer moments, running statistics) is captured as a parameter too.
            string[] trainable = [.. Parameters.Where(p => p.Value.RequiresGrad).Select(p => p.Name)];
            parameters = trainable.Length > 0 ? trainable : null;
            inputs = trainable.Length > 0 ? [] : [.. Enumerable.Range(0, Inputs.Length)];
        }

        inputs ??= [];
        parameters ??= [];
        foreach (int i in inputs)
        {
            if ((uint)i >= (uint)Inputs.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(inputs), i, $"Graph.Gradient: the graph has {Inputs.Length} input(s).");
            }
        }

        int[] parameterIndices = [.. parameters.Select(ParameterIndex)];
        bool scalarOutput = TypeOf(Outputs[output]).Rank == 0;
        string[] wrtNames = [.. inputs.Select(i => $"input {i}"), .. parameters.Select(p => $"parameter '{p}'")];

        Tensor[] Replay(Tensor[] placeholders)
        {
            using var grad = Autodiff.EnableGrad();
            foreach (int i in inputs)
            {
                placeholders[i].RequiresGrad = true;
            }

            Tensor[] results = Evaluate(placeholders, InferSizes(placeholders, "Graph.Gradient"), record: true);
            Tensor target = scalarOutput ? results[output] : results[output].Sum();
            Tensor[] wrt = [.. inputs.Select(i => placeholders[i]), .. parameterIndices.Select(p => Parameters[p].Value)];
            if (!target.RequiresGrad && !allowUnused)
            {
                throw new InvalidOperationException($"Graph.Gradient: output {output} does not depend on any value that requires grad.");
            }

            Tensor?[] grads = target.RequiresGrad
                ? ReverseWalk.Run(target, target.OnesLike(), wrt, retainGraph: true, createGraph: true, allowUnused: true)!
                : new Tensor?[wrt.Length];
            var outputs = new Tensor[grads.Length];
            for (int i = 0; i < grads.Length; i++)
            {
                if (grads[i] is null && !allowUnused)
                {
                    throw new InvalidOperationException(
                        $"Graph.Gradient: output {output} does not depend on {wrtNames[i]}, so it has no gradient (pass allowUnused: true for zeros).");
                }

                // Zeros shaped like the value, by an op, so an input's batch axis stays symbolic.
                outputs[i] = grads[i] ?? Tensor.Zeros(Shape.Scalar, wrt[i].DType).BroadcastTo(wrt[i].Shape);
            }

            return [.. results, .. outputs];
        }

        Graph traced = Trace(Replay, [.. Inputs.Select(i => i.Type)]);
        return traced.WithOutputNames([.. OutputNames, .. inputs.Select(i => (string?)$"grad:input{i}"), .. parameters.Select(p => (string?)$"grad:{p}")]);
    }
}
