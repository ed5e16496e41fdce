using AutoGrad.Tensors;

namespace AutoGrad.Graphs.Compilation;

/// <summary>
/// A parameter update written as tensor ops, so a compiled training step computes the new parameter (and optimizer state)
/// values inside the graph; the executable then copies them back into the parameter tensors in place.
/// </summary>
public abstract class GraphOptimizer
{
    private protected GraphOptimizer()
    {
    }

    /// <summary>Creates the optimizer's state tensors (named after the parameters, e.g. <c>dense1.kernel.adam_m</c>).</summary>
    internal abstract IReadOnlyList<Tensor> CreateState(IReadOnlyList<Tensor> parameters);

    /// <summary>The new parameter values followed by the new state values.</summary>
    internal abstract Tensor[] Update(IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients, IReadOnlyList<Tensor> state);
}

/// <summary>Plain stochastic gradient descent: p ← p − lr·g.</summary>
/// <param name="learningRate">The step size.</param>
public sealed class SgdUpdate(double learningRate) : GraphOptimizer
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    internal override IReadOnlyList<Tensor> CreateState(IReadOnlyList<Tensor> parameters) => [];

    internal override Tensor[] Update(IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients, IReadOnlyList<Tensor> state) =>
        [.. parameters.Zip(gradients, (p, g) => p.Sub(g.Mul(LearningRate)))];
}

/// <summary>
/// Adam (Kingma &amp; Ba): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·(m/c₁) / (√(v/c₂) + ε) with the bias
/// corrections cᵢ = 1 − βᵢᵗ kept as state and updated as cᵢ ← βᵢcᵢ + (1−βᵢ), which equals 1 − βᵢᵗ⁺¹ without the
/// cancellation of computing 1 − βᵗ in float32.
/// </summary>
public sealed class AdamUpdate(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) : GraphOptimizer
{
    /// <summary>The step size.</summary>
    public double LearningRate { get; } = learningRate;

    /// <summary>The decay of the first-moment average.</summary>
    public double Beta1 { get; } = beta1;

    /// <summary>The decay of the second-moment average.</summary>
    public double Beta2 { get; } = beta2;

    /// <summary>Added to the denominator for stability.</summary>
    public double Epsilon { get; } = epsilon;

    internal override IReadOnlyList<Tensor> CreateState(IReadOnlyList<Tensor> parameters)
    {
        var state = new List<Tensor>();
        foreach (Tensor p in parameters)
        {
            state.Add(new Tensor(p.Type) { Name = p.Name + ".adam_m" });
            state.Add(new Tensor(p.Type) { Name = p.Name + ".adam_v" });
        }

        state.Add(Tensor.Scalar(0, parameters[0].DType).Also(t => t.Name = "adam.correction1"));
        state.Add(Tensor.Scalar(0, parameters[0].DType).Also(t => t.Name = "adam.correction2"));
        return state;
    }

    internal override Tensor[] Update(IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients, IReadOnlyList<Tensor> state)
    {
        Tensor correction1 = state[^2].Mul(Beta1).Add(1 - Beta1);
        Tensor correction2 = state[^1].Mul(Beta2).Add(1 - Beta2);
        var newParameters = new Tensor[parameters.Count];
        var newState = new Tensor[state.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            Tensor g = gradients[i];
            // Flushed like the eager kernel: a moment decaying under a permanently zero gradient would otherwise turn
            // subnormal and make every later operation on it a slow microcode assist.
            Tensor m = state[2 * i].Mul(Beta1).Add(g.Mul(1 - Beta1)).FlushSubnormal();
            Tensor v = state[(2 * i) + 1].Mul(Beta2).Add(g.Mul(g).Mul(1 - Beta2)).FlushSubnormal();
            Tensor mHat = m.Div(correction1);
            Tensor vHat = v.Div(correction2);
            Tensor denominator = vHat.Sqrt().Add(Epsilon);
            newParameters[i] = parameters[i].Sub(mHat.Div(denominator).Mul(LearningRate));
            newState[2 * i] = m;
            newState[(2 * i) + 1] = v;
        }

        newState[^2] = correction1;
        newState[^1] = correction2;
        return [.. newParameters, .. newState];
    }
}

internal static class TensorNaming
{
    public static Tensor Also(this Tensor tensor, Action<Tensor> action)
    {
        action(tensor);
        return tensor;
    }
}
