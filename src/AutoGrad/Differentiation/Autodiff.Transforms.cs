using System.Runtime.CompilerServices;
using AutoGrad.Tensors;

namespace AutoGrad.Differentiation;

/// <summary>
/// Function transforms in the style of <c>torch.func</c> and JAX: vector-Jacobian and Jacobian-vector products, full
/// Jacobians, Hessians and Hessian-vector products of functions of several tensors.
/// </summary>
/// <remarks>
/// <para>
/// Every transform calls <c>f</c> on fresh copies of the inputs that require grad, so the tensors you pass are never
/// modified, never gain a <see cref="Tensor.Grad"/>, and need not require grad. Everything is built on
/// <see cref="Grad(Tensor, IReadOnlyList{Tensor}, bool, Tensor?, bool, bool?)"/> and the existing reverse rules; there
/// are no forward-mode rules.
/// </para>
/// <para>
/// Results are values with no recorded history (like <c>torch.autograd.functional</c> with <c>create_graph=False</c>):
/// a transform called inside a function given to another transform is a constant to the outer one.
/// </para>
/// <para>
/// An input that <c>f</c> does not use (or uses only through operations with no gradient) gets zeros of the right shape
/// where <see cref="Grad(Tensor, IReadOnlyList{Tensor}, bool, Tensor?, bool, bool?)"/> would answer null: its derivative
/// is zero, not unknown.
/// </para>
/// </remarks>
public static partial class Autodiff
{
    /// <summary>
    /// The outputs of <paramref name="f"/> at <paramref name="xs"/> and the vector-Jacobian products
    /// Σᵢ vᵢᵀ·∂fᵢ/∂xⱼ, one per input (<c>torch.autograd.functional.vjp</c>; JAX's <c>vjp</c> applied to <paramref name="vs"/>).
    /// </summary>
    /// <param name="f">The function; it receives copies of the inputs that require grad and returns one or more tensors.</param>
    /// <param name="xs">Where to differentiate; not modified.</param>
    /// <param name="vs">One cotangent per output of <paramref name="f"/>, each with that output's shape and dtype.</param>
    /// <returns>The outputs (detached) and one product per input, each with that input's shape.</returns>
    /// <exception cref="ArgumentException">No inputs, <paramref name="f"/> returned no outputs, or a cotangent's count, shape or dtype does not match the outputs.</exception>
    public static (Tensor[] Outputs, Tensor[] Vjps) Vjp(Func<Tensor[], Tensor[]> f, IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor> vs)
    {
        Tensor[] inputs = Prepare("Vjp", f, xs);
        using var mode = EnableGrad();
        Tensor[] outputs = Call("Vjp", f, inputs);
        CheckPaired("Vjp", "cotangent", vs, outputs, "output");

        // Seeds are copies: a gradient can be the seed itself (f returning its input), and the result must not alias vs.
        Tensor?[] pulled = PullBack(outputs, inputs, [.. vs.Select(v => v.Clone())], createGraph: false);
        return (Detached(outputs), ZerosWhereNull(pulled, inputs));
    }

    /// <summary>The output of a single-output <paramref name="f"/> and its vector-Jacobian products vᵀ·∂f/∂xⱼ, one per input.</summary>
    /// <param name="f">The function of several tensors.</param>
    /// <param name="xs">Where to differentiate; not modified.</param>
    /// <param name="v">The cotangent, with the output's shape and dtype.</param>
    /// <returns>The output (detached) and one product per input, each with that input's shape.</returns>
    /// <exception cref="ArgumentException">No inputs, or <paramref name="v"/> does not match the output.</exception>
    public static (Tensor Output, Tensor[] Vjps) Vjp(Func<Tensor[], Tensor> f, IReadOnlyList<Tensor> xs, Tensor v)
    {
        ArgumentNullException.ThrowIfNull(f);
        (Tensor[] outputs, Tensor[] vjps) = Vjp(x => [f(x)], xs, [v]);
        return (outputs[0], vjps);
    }

    /// <summary>The output of <paramref name="f"/> at <paramref name="x"/> and the vector-Jacobian product vᵀ·∂f/∂x.</summary>
    /// <param name="f">The function of one tensor.</param>
    /// <param name="x">Where to differentiate; not modified.</param>
    /// <param name="v">The cotangent, with the output's shape and dtype.</param>
    /// <returns>The output (detached) and the product, with <paramref name="x"/>'s shape.</returns>
    /// <exception cref="ArgumentException"><paramref name="v"/> does not match the output.</exception>
    public static (Tensor Output, Tensor Vjp) Vjp(Func<Tensor, Tensor> f, Tensor x, Tensor v)
    {
        ArgumentNullException.ThrowIfNull(f);
        (Tensor[] outputs, Tensor[] vjps) = Vjp(a => [f(a[0])], [x], [v]);
        return (outputs[0], vjps[0]);
    }

    /// <summary>
    /// The outputs of <paramref name="f"/> at <paramref name="xs"/> and the Jacobian-vector products Σⱼ ∂fᵢ/∂xⱼ·vⱼ, one per
    /// output (forward mode: <c>torch.func.jvp</c>, JAX's <c>jvp</c>).
    /// </summary>
    /// <remarks>
    /// Derived from the reverse rules by the double-vjp trick: u ↦ Jᵀu is linear in u, so differentiating ⟨Jᵀu, v⟩ with
    /// respect to u gives J·v. The cotangent u is a zero tensor that requires grad (its value does not matter, the map
    /// being linear), the vjp is recorded with <c>createGraph</c>, and a second reverse pass reads off J·v. This costs
    /// two reverse passes rather than one forward pass, and needs every rule on the path to be differentiable once more,
    /// which AutoGrad's rules are, being written in tensor ops.
    /// </remarks>
    /// <param name="f">The function; it receives copies of the inputs that require grad and returns one or more tensors.</param>
    /// <param name="xs">Where to differentiate; not modified.</param>
    /// <param name="vs">One tangent per input, each with that input's shape and dtype.</param>
    /// <returns>The outputs (detached) and one product per output, each with that output's shape.</returns>
    /// <exception cref="ArgumentException">No inputs, <paramref name="f"/> returned no outputs, or a tangent's count, shape or dtype does not match the inputs.</exception>
    public static (Tensor[] Outputs, Tensor[] Jvps) Jvp(Func<Tensor[], Tensor[]> f, IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor> vs)
    {
        Tensor[] inputs = Prepare("Jvp", f, xs);
        CheckPaired("Jvp", "tangent", vs, inputs, "input");
        using var mode = EnableGrad();
        Tensor[] outputs = Call("Jvp", f, inputs);

        Tensor[] dummies = [.. outputs.Select(o => o.ZerosLike().RequireGrad())];
        Tensor?[] pulled = PullBack(outputs, inputs, dummies, createGraph: true);
        Tensor? pairing = Pairing(pulled, vs);
        Tensor?[] pushed = pairing is null ? new Tensor?[outputs.Length] : Grad(pairing, dummies, allowUnused: true);
        return (Detached(outputs), ZerosWhereNull(pushed, outputs));
    }

    /// <summary>The output of a single-output <paramref name="f"/> and its Jacobian-vector product Σⱼ ∂f/∂xⱼ·vⱼ.</summary>
    /// <param name="f">The function of several tensors.</param>
    /// <param name="xs">Where to differentiate; not modified.</param>
    /// <param name="vs">One tangent per input, each with that input's shape and dtype.</param>
    /// <returns>The output (detached) and the product, with the output's shape.</returns>
    /// <exception cref="ArgumentException">No inputs, or a tangent does not match its input.</exception>
    public static (Tensor Output, Tensor Jvp) Jvp(Func<Tensor[], Tensor> f, IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor> vs)
    {
        ArgumentNullException.ThrowIfNull(f);
        (Tensor[] outputs, Tensor[] jvps) = Jvp(x => [f(x)], xs, vs);
        return (outputs[0], jvps[0]);
    }

    /// <summary>The output of <paramref name="f"/> at <paramref name="x"/> and the Jacobian-vector product ∂f/∂x·v.</summary>
    /// <param name="f">The function of one tensor.</param>
    /// <param name="x">Where to differentiate; not modified.</param>
    /// <param name="v">The tangent, with <paramref name="x"/>'s shape and dtype.</param>
    /// <returns>The output (detached) and the product, with the output's shape.</returns>
    /// <exception cref="ArgumentException"><paramref name="v"/> does not match <paramref name="x"/>.</exception>
    public static (Tensor Output, Tensor Jvp) Jvp(Func<Tensor, Tensor> f, Tensor x, Tensor v)
    {
        ArgumentNullException.ThrowIfNull(f);
        (Tensor[] outputs, Tensor[] jvps) = Jvp(a => [f(a[0])], [x], [v]);
        return (outputs[0], jvps[0]);
    }

    /// <summary>
    /// The full Jacobians of <paramref name="f"/> at <paramref name="xs"/>: <c>result[i][j]</c> = ∂fᵢ/∂xⱼ with shape
    /// <c>fᵢ.Shape + xⱼ.Shape</c> (<c>torch.autograd.functional.jacobian</c>, JAX's <c>jacrev</c>).
    /// </summary>
    /// <remarks>Built row by row in reverse mode: one reverse pass per output element, over one recorded forward pass.</remarks>
    /// <param name="f">The function; it receives copies of the inputs that require grad and returns one or more tensors.</param>
    /// <param name="xs">Where to differentiate; not modified.</param>
    /// <returns>Indexed [output][input]; zeros for an input an output does not depend on.</returns>
    /// <exception cref="ArgumentException">No inputs, or <paramref name="f"/> returned no outputs.</exception>
    public static Tensor[][] Jacobian(Func<Tensor[], Tensor[]> f, IReadOnlyList<Tensor> xs)
    {
        Tensor[] inputs = Prepare("Jacobian", f, xs);
        using var mode = EnableGrad();
        Tensor[] outputs = Call("Jacobian", f, inputs);
        return [.. outputs.Select(output => JacobianRows(output, inputs))];
    }

    /// <summary>The Jacobians ∂f/∂xⱼ of a single-output <paramref name="f"/>, each with shape <c>f.Shape + xⱼ.Shape</c>.</summary>
    /// <param name="f">The function of several tensors.</param>
    /// <param name="xs">Where to differentiate; not modified.</param>
    /// <returns>One Jacobian per input; zeros for an input <paramref name="f"/> does not depend on.</returns>
    /// <exception cref="ArgumentException">No inputs.</exception>
    public static Tensor[] Jacobian(Func<Tensor[], Tensor> f, IReadOnlyList<Tensor> xs)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Jacobian(x => [f(x)], xs)[0];
    }

    /// <summary>The Jacobian ∂f/∂x of <paramref name="f"/> at <paramref name="x"/>, with shape <c>f.Shape + x.Shape</c>.</summary>
    /// <param name="f">The function of one tensor.</param>
    /// <param name="x">Where to differentiate; not modified.</param>
    /// <returns>The Jacobian.</returns>
    public static Tensor Jacobian(Func<Tensor, Tensor> f, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Jacobian(a => [f(a[0])], [x])[0][0];
    }

    /// <summary>
    /// The Hessian of a scalar <paramref name="f"/> at <paramref name="xs"/>: <c>result[i][j]</c> = ∂²f/∂xᵢ∂xⱼ with shape
    /// <c>xᵢ.Shape + xⱼ.Shape</c> (<c>torch.autograd.functional.hessian</c>, JAX's <c>hessian</c>).
    /// </summary>
    /// <remarks>
    /// The Jacobian of the gradient: the gradient is recorded with <c>createGraph</c>, then one reverse pass runs per
    /// element of each input. For a twice continuously differentiable f the result is symmetric:
    /// <c>result[i][j]</c> is the transpose of <c>result[j][i]</c>.
    /// </remarks>
    /// <param name="f">The function; it must return one element (shape [] or any shape of size 1).</param>
    /// <param name="xs">Where to differentiate; not modified.</param>
    /// <returns>Indexed [input][input]; zeros where the gradient does not depend on an input.</returns>
    /// <exception cref="ArgumentException">No inputs, or <paramref name="f"/> returned more than one element.</exception>
    public static Tensor[][] Hessian(Func<Tensor[], Tensor> f, IReadOnlyList<Tensor> xs)
    {
        Tensor[] inputs = Prepare("Hessian", f, xs);
        using var mode = EnableGrad();
        Tensor output = CallScalar("Hessian", f, inputs);
        // Where the gradient is null it is zero everywhere, so the rows of the Hessian through it are zero too: a
        // zero tensor (requiring no grad) gives exactly that in JacobianRows. The gradient must stay recorded, not detached.
        Tensor?[] gradient = Grad(output, inputs, allowUnused: true, createGraph: true);
        return [.. gradient.Select((g, i) => JacobianRows(g ?? inputs[i].ZerosLike(), inputs))];
    }

    /// <summary>The Hessian ∂²f/∂x² of a scalar <paramref name="f"/> at <paramref name="x"/>, with shape <c>x.Shape + x.Shape</c>.</summary>
    /// <param name="f">The function of one tensor; it must return one element.</param>
    /// <param name="x">Where to differentiate; not modified.</param>
    /// <returns>The Hessian.</returns>
    /// <exception cref="ArgumentException"><paramref name="f"/> returned more than one element.</exception>
    public static Tensor Hessian(Func<Tensor, Tensor> f, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Hessian(a => f(a[0]), [x])[0][0];
    }

    /// <summary>
    /// The value of a scalar <paramref name="f"/> at <paramref name="xs"/> and the Hessian-vector products
    /// Σⱼ ∂²f/∂xᵢ∂xⱼ·vⱼ, one per input, without forming the Hessian (<c>torch.autograd.functional.hvp</c>).
    /// </summary>
    /// <remarks>
    /// Reverse over reverse: the gradient g is recorded with <c>createGraph</c>, and the gradient of Σⱼ⟨gⱼ, vⱼ⟩ is vᵀH,
    /// which equals H·v because the Hessian of a twice continuously differentiable function is symmetric. Two reverse
    /// passes, whatever the size of the inputs.
    /// </remarks>
    /// <param name="f">The function; it must return one element.</param>
    /// <param name="xs">Where to differentiate; not modified.</param>
    /// <param name="vs">One vector per input, each with that input's shape and dtype.</param>
    /// <returns>The value (detached) and one product per input, each with that input's shape.</returns>
    /// <exception cref="ArgumentException">No inputs, <paramref name="f"/> returned more than one element, or a vector does not match its input.</exception>
    public static (Tensor Output, Tensor[] Hvps) Hvp(Func<Tensor[], Tensor> f, IReadOnlyList<Tensor> xs, IReadOnlyList<Tensor> vs)
    {
        Tensor[] inputs = Prepare("Hvp", f, xs);
        CheckPaired("Hvp", "vector", vs, inputs, "input");
        using var mode = EnableGrad();
        Tensor output = CallScalar("Hvp", f, inputs);
        Tensor? pairing = Pairing(Grad(output, inputs, allowUnused: true, createGraph: true), vs);
        Tensor?[] products = pairing is null ? new Tensor?[inputs.Length] : Grad(pairing, inputs, allowUnused: true);
        return (output.Detach(), ZerosWhereNull(products, inputs));
    }

    /// <summary>The value of a scalar <paramref name="f"/> at <paramref name="x"/> and the Hessian-vector product ∂²f/∂x²·v.</summary>
    /// <param name="f">The function of one tensor; it must return one element.</param>
    /// <param name="x">Where to differentiate; not modified.</param>
    /// <param name="v">The vector, with <paramref name="x"/>'s shape and dtype.</param>
    /// <returns>The value (detached) and the product, with <paramref name="x"/>'s shape.</returns>
    /// <exception cref="ArgumentException"><paramref name="f"/> returned more than one element, or <paramref name="v"/> does not match <paramref name="x"/>.</exception>
    public static (Tensor Output, Tensor Hvp) Hvp(Func<Tensor, Tensor> f, Tensor x, Tensor v)
    {
        ArgumentNullException.ThrowIfNull(f);
        (Tensor output, Tensor[] products) = Hvp(a => f(a[0]), [x], [v]);
        return (output, products[0]);
    }

    /// <summary>Validates the arguments and copies the inputs: deep copies (f may write into them) that require grad.</summary>
    private static Tensor[] Prepare(string transform, Delegate f, IReadOnlyList<Tensor> xs)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Count == 0)
        {
            throw new ArgumentException($"{transform}: needs at least one input tensor.", nameof(xs));
        }

        var copies = new Tensor[xs.Count];
        for (int i = 0; i < xs.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(xs[i], nameof(xs));
            copies[i] = xs[i].Clone().RequireGrad();
            copies[i].Name = xs[i].Name;
        }

        return copies;
    }

    // How many transforms are running f on this thread: results carry no history, so a transform inside another's f
    // would look constant to the outer one and give a silent zero; it is refused instead.
    [ThreadStatic]
    private static int t_depth;

    private static T Enter<T>(string transform, Func<T> body)
    {
        if (t_depth > 0)
        {
            throw new InvalidOperationException(
                $"{transform}: called inside the function of another transform. Transform results carry no gradient history, so the outer " +
                "transform would see a constant and return zeros; compose with Autodiff.Grad(..., createGraph: true) instead.");
        }

        t_depth++;
        try
        {
            return body();
        }
        finally
        {
            t_depth--;
        }
    }

    [InvokesUserCode]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Tensor[] Call(string transform, Func<Tensor[], Tensor[]> f, Tensor[] inputs)
    {
        // f gets its own array, so reassigning an element inside f cannot change what the transform differentiates by.
        Tensor[]? outputs = Enter(transform, () => f([.. inputs]));
        if (outputs is null || outputs.Length == 0)
        {
            throw new ArgumentException($"{transform}: f returned no output tensors; it must return at least one.", nameof(f));
        }

        for (int i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] is null)
            {
                throw new ArgumentException($"{transform}: f returned null as output {i}.", nameof(f));
            }
        }

        return outputs;
    }

    [InvokesUserCode]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Tensor CallScalar(string transform, Func<Tensor[], Tensor> f, Tensor[] inputs)
    {
        Tensor? output = Enter(transform, () => f([.. inputs])) ?? throw new ArgumentException($"{transform}: f returned null.", nameof(f));
        if (output.Size != 1)
        {
            throw new ArgumentException(
                $"{transform}: f returned {output.Type}; the {(transform == "Hvp" ? "Hessian-vector product" : "Hessian")} is defined for a scalar " +
                "(one-element) function. For a tensor-valued f, use Jacobian or Jvp, or reduce f to a scalar first.", nameof(f));
        }

        return output;
    }

    /// <summary>Checks that there is one <paramref name="what"/> per tensor in <paramref name="against"/>, each of its type.</summary>
    private static void CheckPaired(string transform, string what, IReadOnlyList<Tensor> given, Tensor[] against, string againstName)
    {
        ArgumentNullException.ThrowIfNull(given);
        if (given.Count != against.Length)
        {
            throw new ArgumentException(
                $"{transform}: {given.Count} {what}(s) for {against.Length} {againstName}(s); pass one {what} per {againstName}.", nameof(given));
        }

        for (int i = 0; i < given.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(given[i], nameof(given));
            if (given[i].Type != against[i].Type)
            {
                throw new ArgumentException(
                    $"{transform}: {what} {i} is {given[i].Type} but {againstName} {i} is {against[i].Type}; " +
                    $"each {what} must have the shape and dtype of its {againstName}.", nameof(given));
            }
        }
    }

    /// <summary>Σᵢ Jᵢᵀ·seedᵢ over the outputs: one reverse pass per output, over one retained forward graph.</summary>
    private static Tensor?[] PullBack(Tensor[] outputs, Tensor[] inputs, Tensor[] seeds, bool createGraph)
    {
        var total = new Tensor?[inputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            Tensor?[] pulled = Grad(outputs[i], inputs, allowUnused: true, gradOutput: seeds[i], createGraph: createGraph, retainGraph: true);
            for (int j = 0; j < inputs.Length; j++)
            {
                if (pulled[j] is { } g)
                {
                    total[j] = total[j] is { } sum ? sum.Add(g) : g;
                }
            }
        }

        return total;
    }

    /// <summary>Σⱼ ⟨gⱼ, vⱼ⟩ over the gradients that exist, recorded; null when there are none.</summary>
    private static Tensor? Pairing(Tensor?[] gradients, IReadOnlyList<Tensor> vs)
    {
        Tensor? pairing = null;
        for (int j = 0; j < gradients.Length; j++)
        {
            if (gradients[j] is { } g)
            {
                Tensor term = g.Mul(vs[j]).Sum();
                pairing = pairing is null ? term : pairing.Add(term);
            }
        }

        return pairing;
    }

    /// <summary>
    /// ∂output/∂inputs[j] for every j, shape <c>output.Shape + inputs[j].Shape</c>: one reverse pass per output element,
    /// seeded with that element's one-hot cotangent. The graph is retained across the passes.
    /// </summary>
    private static Tensor[] JacobianRows(Tensor output, Tensor[] inputs)
    {
        var rows = new Tensor?[inputs.Length][];
        for (int j = 0; j < inputs.Length; j++)
        {
            rows[j] = new Tensor?[output.Size];
        }

        // An output that requires no grad (a constant, or a gradient that is constant in the inputs) has zero Jacobians;
        // an output that is itself one of the inputs still needs the walk, which hands back the seed.
        if (output.RequiresGrad)
        {
            for (int k = 0; k < output.Size; k++)
            {
                Tensor seed = output.ZerosLike();
                seed.SetFlat(k, 1.0);
                Tensor?[] row = Grad(output, inputs, allowUnused: true, gradOutput: seed, retainGraph: true);
                for (int j = 0; j < inputs.Length; j++)
                {
                    rows[j][k] = row[j];
                }
            }
        }

        var jacobians = new Tensor[inputs.Length];
        using var noGrad = NoGrad();
        for (int j = 0; j < inputs.Length; j++)
        {
            Shape shape = new([.. output.Shape.ToArray(), .. inputs[j].Shape.ToArray()]);
            if (rows[j].All(r => r is null))
            {
                jacobians[j] = Tensor.Zeros(shape, inputs[j].DType);
                continue;
            }

            Tensor[] filled = [.. rows[j].Select(r => r ?? inputs[j].ZerosLike())];
            jacobians[j] = Tensor.Stack(filled).Reshape(shape);
        }

        return jacobians;
    }

    private static Tensor[] ZerosWhereNull(Tensor?[] values, Tensor[] like)
    {
        var filled = new Tensor[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            filled[i] = values[i]?.Detach() ?? like[i].ZerosLike();
        }

        return filled;
    }

    private static Tensor[] Detached(Tensor[] outputs) => [.. outputs.Select(o => o.Detach())];
}
