using System.Runtime.CompilerServices;
using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Differentiation;

/// <summary>
/// The reverse-mode pass. Iterative (an explicit stack, never recursion, so a chain of 100,000 ops cannot overflow the
/// stack) and deterministic (inputs are visited in order; no hash sets). Each node's gradient rule runs once, after
/// every contribution to its output gradient has been summed; gradients that come back larger than an input because
/// of broadcasting are reduced to the input's shape here, in one place.
/// </summary>
internal static class ReverseWalk
{
    private static long stampSource;

    [ThreadStatic]
    private static long t_currentWalk;

    /// <summary>The stamp of the walk running on this thread, or 0; ops stamp their outputs with it.</summary>
    internal static long CurrentWalk => t_currentWalk;

    /// <summary>Runs the walk from <paramref name="root"/> seeded with <paramref name="seed"/>.</summary>
    /// <param name="root">The tensor being differentiated.</param>
    /// <param name="seed">dL/droot, same shape as root.</param>
    /// <param name="wrt">Functional mode: the tensors whose gradients are returned (null: accumulate into leaves' Grad).</param>
    /// <param name="retainGraph">Keep saved values so the graph can be walked again.</param>
    /// <param name="createGraph">Record the gradient computation itself, for higher-order derivatives.</param>
    /// <param name="allowUnused">Functional mode: return null for a wrt tensor the root does not depend on instead of throwing.</param>
    public static Tensor?[]? Run(Tensor root, Tensor seed, Tensor[]? wrt, bool retainGraph, bool createGraph, bool allowUnused = true)
    {
        Tensor?[]? results = wrt is null ? null : new Tensor?[wrt.Length];
        if (root.gradFn is null)
        {
            if (wrt is null)
            {
                if (!root.RequiresGrad)
                {
                    throw new InvalidOperationException(
                        "Backward: this tensor does not require grad and has no recorded history: no input that requires grad took part in computing it " +
                        "(set RequiresGrad = true on the parameters, and do not compute under NoGrad).");
                }

                Accumulate(root, seed, createGraph, owned: false);
            }
            else
            {
                for (int i = 0; i < wrt.Length; i++)
                {
                    if (ReferenceEquals(wrt[i], root))
                    {
                        results![i] = seed;
                    }
                }

                CheckUsed(wrt, results!, allowUnused);
            }

            return results;
        }

        long stamp = Interlocked.Increment(ref stampSource);
        List<Node> order = TopologicalOrder(root.gradFn, stamp);
        var grads = new Tensor?[order.Count];
        grads[^1] = seed;

        long outerWalk = t_currentWalk;
        t_currentWalk = stamp;
        try
        {
            Walk(order, grads, wrt, results, createGraph, stamp);
        }
        finally
        {
            t_currentWalk = outerWalk;
        }

        if (!retainGraph)
        {
            foreach (Node node in order)
            {
                node.Release();
            }
        }

        if (results is not null)
        {
            CheckUsed(wrt!, results, allowUnused);
        }

        return results;
    }

    private static void CheckUsed(Tensor[] wrt, Tensor?[] results, bool allowUnused)
    {
        if (allowUnused)
        {
            return;
        }

        for (int i = 0; i < results.Length; i++)
        {
            if (results[i] is null)
            {
                throw new InvalidOperationException(
                    $"Grad: input {i} ({wrt[i].Type}) was not used to compute the output. Pass allowUnused: true to get null for it.");
            }
        }
    }

    [InvokesUserCode]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Walk(List<Node> order, Tensor?[] grads, Tensor[]? wrt, Tensor?[]? results, bool createGraph, long stamp)
    {
        using var mode = GradMode.Set(createGraph);
        for (int n = order.Count - 1; n >= 0; n--)
        {
            Node node = order[n];
            Tensor? g = grads[n];
            grads[n] = null;
            if (g is null)
            {
                continue;
            }

            node.CheckNotReleased();
            CaptureNonLeafResult(wrt, results, node, g);
            Tensor?[] inputGrads;
            if (AnomalyMode.IsEnabled)
            {
                AnomalyMode.CurrentRule = node;
                try
                {
                    inputGrads = node.Op.Backward(new GradientContext(node, g));
                }
                finally
                {
                    AnomalyMode.CurrentRule = null;
                }
            }
            else
            {
                inputGrads = node.Op.Backward(new GradientContext(node, g));
            }

            if (inputGrads.Length != node.InputCount)
            {
                throw new InvalidOperationException(
                    $"The gradient rule of '{node.Op.Name}' returned {inputGrads.Length} gradients for {node.InputCount} inputs.");
            }

            for (int i = 0; i < node.InputCount; i++)
            {
                ref readonly Edge edge = ref node.Input(i);
                Tensor? gi = inputGrads[i];
                if (gi is null || !edge.RequiresGrad)
                {
                    continue;
                }

                TensorType expected = node.InputTypes[i];
                using (SymbolicExtents.Library())
                {
                    // The walk's own reading of shapes (this method also runs gradient rules, user code among them, so
                    // a one-pass trace counts other reads in it as the user's).
                    if (gi.Shape != expected.Shape)
                    {
                        gi = gi.SumTo(expected.Shape);
                    }
                }

                if (AnomalyMode.IsEnabled)
                {
                    AnomalyMode.CheckBackward(node, i, gi);
                }

                if (edge.Producer is { } producer)
                {
                    int slot = producer.WalkIndex;
                    grads[slot] = grads[slot] is { } existing ? existing.Add(gi) : gi;
                }
                else if (edge.Leaf is { } leaf)
                {
                    if (wrt is null)
                    {
                        // A gradient made by this walk's rules and routed nowhere else can become the leaf's Grad
                        // as it is; anything else (the seed, a gradient passed through, one sent to two inputs) is copied.
                        bool owned = gi.birthWalk == stamp && !ReferenceEquals(gi, g)
                            && !(ReferenceEquals(gi, inputGrads[i]) && AppearsElsewhere(inputGrads, i));
                        Accumulate(leaf, gi, createGraph, owned);
                    }
                    else
                    {
                        for (int w = 0; w < wrt.Length; w++)
                        {
                            if (ReferenceEquals(wrt[w], leaf))
                            {
                                results![w] = results[w] is { } existing ? existing.Add(gi) : gi;
                            }
                        }
                    }
                }
            }
        }
    }

    private static bool AppearsElsewhere(Tensor?[] values, int index)
    {
        for (int j = 0; j < values.Length; j++)
        {
            if (j != index && ReferenceEquals(values[j], values[index]))
            {
                return true;
            }
        }

        return false;
    }

    private static void CaptureNonLeafResult(Tensor[]? wrt, Tensor?[]? results, Node node, Tensor g)
    {
        if (wrt is null)
        {
            return;
        }

        for (int w = 0; w < wrt.Length; w++)
        {
            if (ReferenceEquals(wrt[w].gradFn, node))
            {
                results![w] = g;
            }
        }
    }

    private static void Accumulate(Tensor leaf, Tensor g, bool createGraph, bool owned)
    {
        // Backward passes on other threads may be adding into the same leaf (one model shared by several threads):
        // the read-modify-write of Grad must not interleave, or contributions are lost.
        lock (leaf.GradLock)
        {
            if (createGraph)
            {
                leaf.Grad = leaf.Grad is null ? g : leaf.Grad.Add(g);
            }
            else if (leaf.Grad is null || leaf.Grad.Type != g.Type)
            {
                // A fresh copy: the same gradient tensor may reach several leaves (add passes it to both operands),
                // and optimizers may later scale a Grad in place.
                leaf.Grad = owned ? g : g.Clone();
            }
            else
            {
                using var noGrad = GradMode.Set(false);
                leaf.Grad.AddInPlace(g);
            }
        }
    }

    /// <summary>Reverse postorder of the nodes reachable from <paramref name="root"/>, with an explicit stack.</summary>
    private static List<Node> TopologicalOrder(Node root, long stamp)
    {
        var order = new List<Node>();
        var stack = new Stack<(Node Node, int NextInput)>();
        root.WalkStamp = stamp;
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            bool descended = false;
            for (int i = next; i < node.InputCount; i++)
            {
                Node? child = node.InputNode(i);
                if (child is not null && node.NeedsGrad(i) && child.WalkStamp != stamp)
                {
                    child.WalkStamp = stamp;
                    stack.Push((node, i + 1));
                    stack.Push((child, 0));
                    descended = true;
                    break;
                }
            }

            if (!descended)
            {
                node.WalkIndex = order.Count;
                order.Add(node);
            }
        }

        return order;
    }
}
