using System.Globalization;
using AutoGrad.Tensors;

namespace AutoGrad.Differentiation;

/// <summary>
/// Compares the gradients AutoGrad derives with central finite differences in float64, for your own functions and
/// layers as well as built-in ops. Non-scalar outputs are reduced to a scalar by a fixed random projection, so every
/// output element is checked.
/// </summary>
public static class GradCheck
{
    /// <summary>Checks first-order gradients of <paramref name="function"/> at <paramref name="inputs"/>.</summary>
    /// <param name="function">The function; it receives float64 copies of the inputs that require grad.</param>
    /// <param name="inputs">Where to check; converted to float64 (the originals are not modified).</param>
    /// <param name="options">Step size and tolerances; <see cref="GradCheckOptions.Default"/> when null.</param>
    /// <returns>The worst element found, and whether every element is within tolerance.</returns>
    public static GradCheckResult Check(Func<Tensor[], Tensor> function, Tensor[] inputs, GradCheckOptions? options = null) =>
        CheckCore(function, inputs, options ?? GradCheckOptions.Default, secondOrder: false);

    /// <summary>
    /// Checks second-order gradients: the gradient of (∑ ∂f/∂x · w) for a fixed random w, derived by differentiating the
    /// recorded backward pass, against finite differences of the first-order gradient.
    /// </summary>
    public static GradCheckResult CheckSecondOrder(Func<Tensor[], Tensor> function, Tensor[] inputs, GradCheckOptions? options = null) =>
        CheckCore(function, inputs, options ?? GradCheckOptions.Default, secondOrder: true);

    /// <summary>Runs <see cref="Check"/> and throws <see cref="GradCheckException"/> naming the worst element when it fails.</summary>
    /// <exception cref="GradCheckException">A gradient element is outside tolerance.</exception>
    public static void Assert(Func<Tensor[], Tensor> function, Tensor[] inputs, GradCheckOptions? options = null)
    {
        var result = Check(function, inputs, options);
        if (!result.Passed)
        {
            throw new GradCheckException(result.Message);
        }
    }

    /// <summary>Runs <see cref="CheckSecondOrder"/> and throws <see cref="GradCheckException"/> when it fails.</summary>
    /// <exception cref="GradCheckException">A second-order gradient element is outside tolerance.</exception>
    public static void AssertSecondOrder(Func<Tensor[], Tensor> function, Tensor[] inputs, GradCheckOptions? options = null)
    {
        var result = CheckSecondOrder(function, inputs, options);
        if (!result.Passed)
        {
            throw new GradCheckException(result.Message);
        }
    }

    private static GradCheckResult CheckCore(Func<Tensor[], Tensor> function, Tensor[] inputs, GradCheckOptions options, bool secondOrder)
    {
        Tensor[] x = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            x[i] = inputs[i].To(DType.Float64).Clone().RequireGrad();
        }

        var generator = new Generator(options.Seed);
        Tensor? outputProjection = null;
        Tensor[]? gradProjections = null;

        // The scalar whose gradient is checked: ∑ f(x)·v, or for second order ∑ (∂/∂x ∑ f(x)·v)·w.
        Tensor Scalar(Tensor[] values, bool createGraph)
        {
            Tensor y = function(values);
            if (y.DType != DType.Float64)
            {
                throw new ArgumentException($"GradCheck: the function returned {y.Type}; it must compute in the dtype of its inputs (float64).");
            }

            outputProjection ??= Tensor.RandN(y.Shape, generator, DType.Float64);
            Tensor projected = y.Mul(outputProjection).Sum();
            if (!secondOrder)
            {
                return projected;
            }

            // An input the first derivative does not depend on (a linear function) contributes zeros to the second.
            Tensor[] grads = [.. Autodiff.Grad(projected, values, allowUnused: true, createGraph: true).Select((g, i) => g ?? values[i].ZerosLike())];
            gradProjections ??= grads.Select(g => Tensor.RandN(g.Shape, generator, DType.Float64)).ToArray();
            Tensor total = Tensor.Scalar(0.0, DType.Float64);
            for (int i = 0; i < grads.Length; i++)
            {
                total = total.Add(grads[i].Mul(gradProjections[i]).Sum());
            }

            return total;
        }

        Tensor loss = Scalar(x, createGraph: true);
        Tensor[] analytical = loss.RequiresGrad
            ? [.. Autodiff.Grad(loss, x, allowUnused: true).Select((g, i) => g ?? x[i].ZerosLike())]
            : x.Select(t => t.ZerosLike()).ToArray();

        var worst = new GradCheckResult(true, 0, -1, -1, 0, 0, "All gradients match finite differences.");
        double worstExcess = double.NegativeInfinity;
        for (int i = 0; i < x.Length; i++)
        {
            for (int e = 0; e < x[i].Size; e++)
            {
                double original = x[i].GetFlat(e);
                double plus, minus;
                using (Autodiff.NoGrad())
                {
                    x[i].SetFlat(e, original + options.Epsilon);
                    plus = Evaluate(Scalar, x, secondOrder);
                    x[i].SetFlat(e, original - options.Epsilon);
                    minus = Evaluate(Scalar, x, secondOrder);
                    x[i].SetFlat(e, original);
                }

                double numerical = (plus - minus) / (2 * options.Epsilon);
                double analyticalValue = analytical[i].GetFlat(e);
                double error = Math.Abs(analyticalValue - numerical);
                double allowed = options.AbsoluteTolerance + (options.RelativeTolerance * Math.Abs(numerical));
                double excess = double.IsNaN(error) ? double.PositiveInfinity : error - allowed;
                if (excess > worstExcess)
                {
                    worstExcess = excess;
                    bool passed = excess <= 0;
                    string order = secondOrder ? "second-order gradient" : "gradient";
                    string message = string.Create(CultureInfo.InvariantCulture,
                        $"{(passed ? "Largest" : "Mismatched")} {order} element: input {i} {x[i].Type}, flat index {e}: analytical {analyticalValue:R}, " +
                        $"numerical {numerical:R}, |difference| {error:E3} (allowed {allowed:E3}).");
                    worst = new GradCheckResult(passed, error, i, e, analyticalValue, numerical, message);
                }
            }
        }

        return worst;
    }

    private static double Evaluate(Func<Tensor[], bool, Tensor> scalar, Tensor[] x, bool secondOrder)
    {
        // Perturbed points run with grad mode on: the function may itself differentiate (a gradient penalty, a
        // second-order check), which needs its inner computation recorded.
        using (Autodiff.EnableGrad())
        {
            return scalar(x, secondOrder).ItemDouble();
        }
    }
}

/// <summary>Settings for <see cref="GradCheck"/>.</summary>
/// <param name="Epsilon">Finite-difference step.</param>
/// <param name="AbsoluteTolerance">Allowed absolute error.</param>
/// <param name="RelativeTolerance">Allowed error relative to the numerical value.</param>
/// <param name="Seed">Seed of the random projections of non-scalar outputs.</param>
public sealed record GradCheckOptions(double Epsilon = 1e-6, double AbsoluteTolerance = 1e-5, double RelativeTolerance = 1e-3, long Seed = 1234)
{
    /// <summary>Step 1e-6, tolerances 1e-5 absolute plus 1e-3 relative.</summary>
    public static GradCheckOptions Default { get; } = new();
}

/// <summary>The outcome of a gradient check: the element with the largest excess over the tolerance.</summary>
/// <param name="Passed">Whether every element is within tolerance.</param>
/// <param name="MaxError">|analytical − numerical| at the reported element.</param>
/// <param name="InputIndex">Which input holds the reported element (−1 when there is none).</param>
/// <param name="ElementIndex">Its flat row-major index.</param>
/// <param name="Analytical">The gradient AutoGrad derived there.</param>
/// <param name="Numerical">The central finite difference there.</param>
/// <param name="Message">A readable summary naming all of the above.</param>
public sealed record GradCheckResult(bool Passed, double MaxError, int InputIndex, int ElementIndex, double Analytical, double Numerical, string Message);

/// <summary>Thrown by <see cref="GradCheck.Assert"/> when a gradient does not match finite differences.</summary>
public sealed class GradCheckException : Exception
{
    /// <summary>Creates the exception with the result's message.</summary>
    public GradCheckException(string message)
        : base(message)
    {
    }
}
