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
/// Adam (Kingma &amp; Ba): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², t ← t+1,
/// p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε). βᵗ is computed as exp(t·ln β) and √ as exp(½·ln) so the update needs only core ops.
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

        state.Add(Tensor.Scalar(0, parameters[0].DType).Also(t => t.Name = "adam.step"));
        return state;
    }

    internal override Tensor[] Update(IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients, IReadOnlyList<Tensor> state)
    {
        Tensor step = state[^1].Add(1.0);
        Tensor correction1 = step.Mul(Math.Log(Beta1)).Exp().RSub(1.0);
        Tensor correction2 = step.Mul(Math.Log(Beta2)).Exp().RSub(1.0);
        var newParameters = new Tensor[parameters.Count];
        var newState = new Tensor[state.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            Tensor g = gradients[i];
            Tensor m = state[2 * i].Mul(Beta1).Add(g.Mul(1 - Beta1));
            Tensor v = state[(2 * i) + 1].Mul(Beta2).Add(g.Mul(g).Mul(1 - Beta2));
            Tensor mHat = m.Div(correction1);
            Tensor vHat = v.Div(correction2);
            Tensor denominator = vHat.Log().Mul(0.5).Exp().Add(Epsilon);
            newParameters[i] = parameters[i].Sub(mHat.Div(denominator).Mul(LearningRate));
            newState[2 * i] = m;
            newState[(2 * i) + 1] = v;
        }

        newState[^1] = step;
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
