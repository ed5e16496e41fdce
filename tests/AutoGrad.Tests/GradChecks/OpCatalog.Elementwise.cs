using AutoGrad.Tensors;
using static AutoGrad.Tests.GradChecks.InputSpec;

namespace AutoGrad.Tests.GradChecks;

public static partial class OpCatalog
{
    /// <summary>Every broadcasting pattern a binary op must handle: (variant, left shape, right shape).</summary>
    public static readonly (string Variant, Shape Left, Shape Right)[] BroadcastPatterns =
    [
        ("same (2,3)·(2,3)", [2, 3], [2, 3]),
        ("scalar-left ()·(2,3)", [], [2, 3]),
        ("scalar-right (2,3)·()", [2, 3], []),
        ("row (3,)·(2,3)", [3], [2, 3]),
        ("row-right (2,3)·(3,)", [2, 3], [3]),
        ("column (2,1)·(2,3)", [2, 1], [2, 3]),
        ("outer (2,1)·(1,3)", [2, 1], [1, 3]),
        ("batch (4,2,3)·(2,3)", [4, 2, 3], [2, 3]),
        ("batch-right (2,3)·(4,2,3)", [2, 3], [4, 2, 3]),
    ];

    private static readonly Tolerance SteepPow = new(1e-5, 2e-3,
        "pow with a negative or fractional exponent is steep near the lower end of the positive domain, so the finite-difference error grows");

    /// <summary>Unary and binary elementwise ops, and the composites built from them.</summary>
    public static IEnumerable<OpCase> Elementwise()
    {
        Shape s = [2, 3];
        OpCase Unary(string op, string variant, Func<Tensor, Tensor> f, InputSpec input, int order = 2, Tolerance? tolerance = null) =>
            new(op, variant, x => f(x[0]), [input], order, tolerance);

        yield return Unary("neg", "(2,3)", x => x.Neg(), Normal(s));
        yield return new("fused_elementwise", "program {mul x0 x1; tanh t0; add t1 x0} (2,3)·(3,)", x => FusedProgram.Apply(x[0], x[1]), [Normal(s), Normal([3])], 2);
        yield return Unary("flush_subnormal", "(2,3) normal values pass through", x => x.FlushSubnormal(), Normal(s));
        yield return Unary("exp", "(2,3)", x => x.Exp(), Normal(s));
        yield return Unary("log", "(2,3) positive", x => x.Log(), Positive(s));
        yield return Unary("tanh", "(2,3)", x => x.Tanh(), Normal(s));
        yield return Unary("tanh", "scalar ()", x => x.Tanh(), Normal([]));
        yield return Unary("sqrt", "(2,3) positive", x => x.Sqrt(), Positive(s));
        yield return Unary("rsqrt", "(2,3) positive", x => x.Rsqrt(), Positive(s));
        yield return Unary("abs", "(2,3) away from 0", x => x.Abs(), AwayFromZero(s));
        yield return Unary("square", "(2,3)", x => x.Square(), Normal(s));
        yield return Unary("sigmoid", "(2,3)", x => x.Sigmoid(), Normal(s));
        yield return Unary("sigmoid", "(2,3) large |x|", x => x.Mul(8.0).Sigmoid(), Normal(s));
        yield return Unary("relu", "(2,3) away from 0", x => x.Relu(), AwayFromZero(s));
        yield return Unary("leaky_relu", "slope 0.01", x => x.LeakyRelu(), AwayFromZero(s));
        yield return Unary("leaky_relu", "slope 0.2", x => x.LeakyRelu(0.2), AwayFromZero(s));
        yield return Unary("leaky_relu", "slope 3 (above 1)", x => x.LeakyRelu(3.0), AwayFromZero(s));
        yield return Unary("elu", "alpha 1", x => x.Elu(), AwayFromZero(s));
        yield return Unary("elu", "alpha 0.5", x => x.Elu(0.5), AwayFromZero(s));
        yield return Unary("softplus", "(2,3)", x => x.Softplus(), Normal(s));
        yield return Unary("softplus", "(2,3) scaled by 20", x => x.Mul(20.0).Softplus(), Normal(s));
        yield return Unary("gelu", "(2,3)", x => x.Gelu(), Normal(s));
        yield return Unary("gelu", "(2,3) scaled by 3", x => x.Mul(3.0).Gelu(), Normal(s));
        yield return Unary("clamp", "min -0.5 max 0.5", x => x.Clamp(-0.5, 0.5), Lattice(s, 0.1));
        yield return Unary("clamp", "min only", x => x.Clamp(-0.5, null), Lattice(s, 0.1));
        yield return Unary("clamp", "max only", x => x.Clamp(null, 0.5), Lattice(s, 0.1));
        yield return Unary("pow", "exponent 2", x => x.Pow(2.0), Normal(s));
        yield return Unary("pow", "exponent 3", x => x.Pow(3.0), Normal(s));
        yield return Unary("pow", "exponent 0.5 positive", x => x.Pow(0.5), Positive(s));
        yield return Unary("pow", "exponent -1.5 positive", x => x.Pow(-1.5), Positive(s), tolerance: SteepPow);
        yield return Unary("mul", "same operand x·x", x => x.Mul(x), Normal(s));
        yield return Unary("add", "same operand x+x+x", x => x.Add(x).Add(x), Normal(s));

        foreach (var (variant, left, right) in BroadcastPatterns)
        {
            yield return new("add", variant, x => x[0].Add(x[1]), [Normal(left), Normal(right)], 2);
            yield return new("sub", variant, x => x[0].Sub(x[1]), [Normal(left), Normal(right)], 2);
            yield return new("mul", variant, x => x[0].Mul(x[1]), [Normal(left), Normal(right)], 2);
            yield return new("div", variant, x => x[0].Div(x[1]), [Normal(left), Positive(right)], 2);
            yield return new("pow", variant, x => x[0].Pow(x[1]), [Positive(left), Normal(right)], 2, SteepPow);
            yield return new("maximum", variant, x => x[0].Maximum(x[1]), [Lattice(left, 0.0), Lattice(right, 0.1)], 2);
            yield return new("minimum", variant, x => x[0].Minimum(x[1]), [Lattice(left, 0.0), Lattice(right, 0.1)], 2);
        }

        // where's condition is a constant: as an input it would be perturbed across 0 by the finite differences.
        var condition23 = Tensor.FromArray(new[] { true, false, true, false, false, true }, 2, 3);
        var condition21 = Tensor.FromArray(new[] { true, false }, 2, 1);
        yield return new("where", "all (2,3)", x => Tensor.Where(condition23, x[0], x[1]), [Normal(s), Normal(s)], 2);
        yield return new("where", "condition (2,1), a (3,), b (2,3)", x => Tensor.Where(condition21, x[0], x[1]), [Normal([3]), Normal(s)], 2);
        yield return new("where", "condition (2,3), a (), b (2,1)", x => Tensor.Where(condition23, x[0], x[1]), [Normal([]), Normal([2, 1])], 2);
        yield return new("where", "condition from a comparison", x => Tensor.Where(x[0].Greater(0.0), x[0].Exp(), x[0].Mul(x[1])),
            [AwayFromZero(s), Normal(s)], 2);

        // Type promotion: a bool or integer operand is cast to the float operand's dtype and held constant.
        var counts = Tensor.FromArray(new long[] { 3, -1, 0, 2, 5, -4 }, 2, 3);
        yield return new("mul", "by a bool mask (promoted)", x => x[0].Mul(condition23), [Normal(s)], 2);
        yield return new("mul", "by an int64 tensor (promoted)", x => x[0].Mul(counts), [Normal(s)], 2);
        yield return new("add", "int64 row plus float (promoted)", x => Tensor.FromArray(new long[] { 1, 2, 3 }).Add(x[0]).Square(), [Normal(s)], 2);
        yield return new("sub", "float minus int32 column (promoted)", x => x[0].Sub(Tensor.FromArray(new[] { 7, -2 }, 2, 1)).Square(), [Normal(s)], 2);
        yield return new("div", "float by an int64 tensor (promoted)", x => x[0].Div(counts.Add(10)), [Normal(s)], 2);

        // cast between float64 and float32 passes the gradient back converted; inputs of size ~1e-4 keep float32's
        // rounding in the middle below the tolerance of central differences.
        yield return new("cast", "f64 to f32 and back", x => x[0].To(DType.Float32).To(DType.Float64),
            [new InputSpec(s, "normal × 1e-4", (shape, g) => Tensor.RandN(shape, g, DType.Float64).Mul(1e-4))], 1,
            new Tolerance(1e-5, 1e-3, "float32 rounding of inputs near 1e-4 (ulp 1.5e-11) over a 2e-6 central step stays below 1e-5"));
    }
}

/// <summary>A fused node as the elementwise-fusion pass makes one; its derivative is its program's.</summary>
internal static class FusedProgram
{
    private static readonly AutoGrad.Graphs.Passes.FusedElementwiseOp Op = new(
    [
        new(AutoGrad.Ops.Elementwise.MulOp.Instance, [new(false, 0), new(false, 1)]),
        new(AutoGrad.Ops.Elementwise.TanhOp.Instance, [new(true, 0)]),
        new(AutoGrad.Ops.Elementwise.AddOp.Instance, [new(true, 1), new(false, 0)]),
    ]);

    public static Tensor Apply(Tensor x, Tensor y) => Op.Apply(x, y);
}
