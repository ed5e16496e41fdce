using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

/// <summary>
/// One row of the gradient-check table: a function of tensors built from one op (or a composite), how to draw its
/// inputs, up to which order its derivatives are checked, and the tolerance with the reason for it.
/// </summary>
/// <param name="Op">The printed op name (or the composite's method name) this row is about.</param>
/// <param name="Variant">What the row exercises (shapes, axes, attributes); unique per op.</param>
/// <param name="Function">The function under test; it receives float64 inputs and must compute in float64.</param>
/// <param name="Inputs">One generator per input, aware of the op's domain.</param>
/// <param name="MaxOrder">1: first derivatives only; 2: also the gradient of the recorded backward pass.</param>
/// <param name="Tolerance">Null for <see cref="Tolerance.Default"/>.</param>
/// <param name="Seed">Seed of the input draws, so each row sees the same numbers every run.</param>
public sealed record OpCase(
    string Op,
    string Variant,
    Func<Tensor[], Tensor> Function,
    InputSpec[] Inputs,
    int MaxOrder = 1,
    Tolerance? Tolerance = null,
    long Seed = 20240611)
{
    /// <summary>The row's unique key, e.g. <c>mul:row (3,)·(2,3)</c>; what the theories are parameterized by.</summary>
    public string Id => $"{Op}:{Variant}";

    /// <summary>Draws the inputs (float64) from the row's seed.</summary>
    public Tensor[] CreateInputs()
    {
        var generator = new Generator(Seed);
        return Inputs.Select(spec => spec.Create(generator)).ToArray();
    }

    /// <summary>The gradient-check settings of this row.</summary>
    public GradCheckOptions Options
    {
        get
        {
            var tolerance = Tolerance ?? GradChecks.Tolerance.Default;
            return new GradCheckOptions(AbsoluteTolerance: tolerance.Absolute, RelativeTolerance: tolerance.Relative);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Id;
}

/// <summary>An allowed gradient error and why it is that large.</summary>
/// <param name="Absolute">Absolute part of the allowed error.</param>
/// <param name="Relative">Part relative to the numerical derivative.</param>
/// <param name="Reason">Why: the conditioning of the op at the drawn inputs, or the finite-difference error.</param>
public sealed record Tolerance(double Absolute, double Relative, string Reason)
{
    /// <summary>1e-5 absolute + 1e-3 relative: central differences with step 1e-6 in float64 on smooth ops with O(1) inputs have errors near 1e-9.</summary>
    public static Tolerance Default { get; } = new(1e-5, 1e-3, "float64 central differences on a smooth function with O(1) inputs");
}

/// <summary>How to draw one input: its shape and a domain-aware generator.</summary>
/// <param name="Shape">The input's shape.</param>
/// <param name="Domain">Readable name of the domain (normal, positive, away-from-zero, distinct, lattice+offset).</param>
/// <param name="Draw">Fills a float64 tensor of that shape from the generator.</param>
public sealed record InputSpec(Shape Shape, string Domain, Func<Shape, Generator, Tensor> Draw)
{
    /// <summary>Draws the tensor.</summary>
    public Tensor Create(Generator generator) => Draw(Shape, generator);

    /// <summary>Standard normal values: for smooth ops defined everywhere.</summary>
    public static InputSpec Normal(Shape shape) => new(shape, "normal", (s, g) => Tensor.RandN(s, g, DType.Float64));

    /// <summary>Uniform in [0.5, 2]: for log, sqrt, rsqrt, pow bases and denominators, kept away from 0 where they blow up.</summary>
    public static InputSpec Positive(Shape shape) => new(shape, "positive", (s, g) => Tensor.Uniform(s, 0.5, 2.0, g, DType.Float64));

    /// <summary>|x| in [0.2, 1.5] with a random sign: for relu, abs and the other ops with a kink at 0 (far beyond the 1e-6 step).</summary>
    public static InputSpec AwayFromZero(Shape shape) => new(shape, "away-from-zero", (s, g) =>
    {
        var t = Tensor.Zeros(s, DType.Float64);
        for (int i = 0; i < t.Size; i++)
        {
            double magnitude = g.Uniform(0.2, 1.5);
            t.SetFlat(i, g.NextDouble() < 0.5 ? -magnitude : magnitude);
        }

        return t;
    });

    /// <summary>Distinct values 0.1 apart in random order: for max/min reductions, so no two elements tie or come near tying.</summary>
    public static InputSpec Distinct(Shape shape) => new(shape, "distinct", (s, g) =>
    {
        var values = new double[s.Size];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i - (values.Length / 2)) * 0.1;
        }

        g.Shuffle<double>(values);
        return Tensor.FromArray(values, s.ToArray());
    });

    /// <summary>
    /// Multiples of 0.2 in [−1.2, 1.2] plus <paramref name="offset"/>: two inputs with offsets 0 and 0.1 never come
    /// closer than 0.1, which keeps maximum/minimum away from ties and clamp away from bounds like ±0.5.
    /// </summary>
    public static InputSpec Lattice(Shape shape, double offset) => new(shape, $"lattice+{offset}", (s, g) =>
    {
        var t = Tensor.Zeros(s, DType.Float64);
        for (int i = 0; i < t.Size; i++)
        {
            t.SetFlat(i, (g.NextInt(-6, 7) * 0.2) + offset);
        }

        return t;
    });
}
