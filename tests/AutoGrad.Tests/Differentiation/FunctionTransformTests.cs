using System.Globalization;
using AutoGrad.Differentiation;
using AutoGrad.Tensors;
using Xunit.Abstractions;

namespace AutoGrad.Tests.Differentiation;

/// <summary>
/// Issue 14 item 5: Vjp, Jvp, Jacobian, Hessian and Hvp against float64 central finite differences written out here
/// (from function values only, independent of the reverse walk), and against each other.
/// </summary>
public sealed class FunctionTransformTests(ITestOutputHelper output)
{
    // Central differences with step h have truncation error O(h²) and rounding error O(1e-16 / h): h = 1e-6 gives about
    // 1e-10 on these smooth functions of O(1) values; the Hessian's four-point formula divides by h², so h = 1e-4 there.
    private const double Step = 1e-6;
    private const double HessianStep = 1e-4;
    private const double FiniteDifferenceTolerance = 1e-7;
    private const double HessianFiniteDifferenceTolerance = 1e-6;

    // Two routes to the same number through different sums: only rounding separates them.
    private const double CrossTolerance = 1e-12;

    /// <summary>Two inputs that broadcast (a: [3,1], b: [4]) and two outputs of different shapes ([3,4] and [4]).</summary>
    private static Tensor[] TwoByTwo(Tensor[] x)
    {
        Tensor a = x[0], b = x[1];
        Tensor first = (a * b).Tanh() + (a.Exp() * 0.5);
        Tensor second = ((a - b).Square() * b.Sigmoid()).Sum([0]);
        return [first, second];
    }

    /// <summary>A scalar of the same two inputs with mixed second derivatives.</summary>
    private static Tensor Scalar(Tensor[] x)
    {
        Tensor a = x[0], b = x[1];
        return (a * b).Tanh().Square().Sum() + (a.Exp() * b.Sigmoid()).Sum() + ((b * b) + 1).Log().Sum();
    }

    private static Tensor[] Inputs() =>
    [
        Tensor.FromArray(new double[] { 0.3, -0.7, 1.1 }, 3, 1),
        Tensor.FromArray(new double[] { -0.4, 0.9, 0.2, -1.3 }, 4),
    ];

    private static Tensor[] Tangents() =>
    [
        Tensor.FromArray(new double[] { 0.5, -1.2, 0.8 }, 3, 1),
        Tensor.FromArray(new double[] { 1.5, 0.1, -0.6, 0.7 }, 4),
    ];

    private static Tensor[] Cotangents() =>
    [
        Tensor.FromArray(new double[] { 0.2, -0.5, 1.0, 0.3, -0.8, 0.6, 0.1, -1.1, 0.4, 0.9, -0.3, 0.7 }, 3, 4),
        Tensor.FromArray(new double[] { -0.6, 1.2, 0.5, -0.2 }, 4),
    ];

    [Fact]
    public void Jacobian_TwoBroadcastInputsTwoOutputs_MatchesFiniteDifferences()
    {
        Tensor[] x = Inputs();
        Tensor[][] jacobian = Autodiff.Jacobian(TwoByTwo, x);
        double[][][] numerical = NumericalJacobian(TwoByTwo, x);

        Assert.Equal(new[] { 3, 4, 3, 1 }, jacobian[0][0].Shape.ToArray());
        Assert.Equal(new[] { 3, 4, 4 }, jacobian[0][1].Shape.ToArray());
        Assert.Equal(new[] { 4, 3, 1 }, jacobian[1][0].Shape.ToArray());
        Assert.Equal(new[] { 4, 4 }, jacobian[1][1].Shape.ToArray());
        double worst = 0;
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                worst = Math.Max(worst, MaxDifference(jacobian[i][j].ToArray<double>(), numerical[i][j]));
            }
        }

        Report("Jacobian vs finite differences", worst);
        Assert.True(worst < FiniteDifferenceTolerance, $"max |Jacobian − FD| = {worst:E3}");
    }

    [Fact]
    public void Jvp_TwoBroadcastInputs_MatchesFiniteDifferencesAndJacobianTimesV()
    {
        Tensor[] x = Inputs(), v = Tangents();
        (Tensor[] outputs, Tensor[] jvps) = Autodiff.Jvp(TwoByTwo, x, v);
        Tensor[][] jacobian = Autodiff.Jacobian(TwoByTwo, x);

        Tensor[] expected = TwoByTwo(x);
        double worstFd = 0, worstCross = 0;
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(expected[i].ToArray<double>(), outputs[i].ToArray<double>());
            Assert.Equal(expected[i].Shape, jvps[i].Shape);
            Assert.False(jvps[i].RequiresGrad);

            // Directional central difference: (f(x + hv) − f(x − hv)) / 2h, from values only.
            double[] plus = TwoByTwo(Shifted(x, v, Step))[i].ToArray<double>();
            double[] minus = TwoByTwo(Shifted(x, v, -Step))[i].ToArray<double>();
            double[] directional = [.. plus.Zip(minus, (p, m) => (p - m) / (2 * Step))];
            worstFd = Math.Max(worstFd, MaxDifference(jvps[i].ToArray<double>(), directional));

            double[] jv = new double[expected[i].Size];
            for (int j = 0; j < 2; j++)
            {
                jv = Add(jv, MatVec(jacobian[i][j].ToArray<double>(), v[j].ToArray<double>()));
            }

            worstCross = Math.Max(worstCross, MaxDifference(jvps[i].ToArray<double>(), jv));
        }

        Report("Jvp vs directional finite differences", worstFd);
        Report("Jvp vs Jacobian·v", worstCross);
        Assert.True(worstFd < FiniteDifferenceTolerance, $"max |Jvp − FD| = {worstFd:E3}");
        Assert.True(worstCross < CrossTolerance, $"max |Jvp − J·v| = {worstCross:E3}");
    }

    [Fact]
    public void Vjp_TwoBroadcastInputs_MatchesFiniteDifferencesAndVTransposeJacobian()
    {
        Tensor[] x = Inputs(), v = Cotangents();
        (Tensor[] outputs, Tensor[] vjps) = Autodiff.Vjp(TwoByTwo, x, v);
        Tensor[][] jacobian = Autodiff.Jacobian(TwoByTwo, x);
        double[][][] numerical = NumericalJacobian(TwoByTwo, x);

        Assert.Equal(2, outputs.Length);
        double worstFd = 0, worstCross = 0;
        for (int j = 0; j < 2; j++)
        {
            Assert.Equal(x[j].Shape, vjps[j].Shape);
            double[] fromFd = new double[x[j].Size], fromJacobian = new double[x[j].Size];
            for (int i = 0; i < 2; i++)
            {
                fromFd = Add(fromFd, VecMat(v[i].ToArray<double>(), numerical[i][j]));
                fromJacobian = Add(fromJacobian, VecMat(v[i].ToArray<double>(), jacobian[i][j].ToArray<double>()));
            }

            worstFd = Math.Max(worstFd, MaxDifference(vjps[j].ToArray<double>(), fromFd));
            worstCross = Math.Max(worstCross, MaxDifference(vjps[j].ToArray<double>(), fromJacobian));
        }

        Report("Vjp vs vᵀ·(FD Jacobian)", worstFd);
        Report("Vjp vs vᵀ·Jacobian", worstCross);
        Assert.True(worstFd < FiniteDifferenceTolerance, $"max |Vjp − vᵀJ_FD| = {worstFd:E3}");
        Assert.True(worstCross < CrossTolerance, $"max |Vjp − vᵀJ| = {worstCross:E3}");
    }

    [Fact]
    public void Hessian_TwoBroadcastInputs_MatchesFiniteDifferencesAndIsSymmetric()
    {
        Tensor[] x = Inputs();
        Tensor[][] hessian = Autodiff.Hessian(Scalar, x);

        Assert.Equal(new[] { 3, 1, 3, 1 }, hessian[0][0].Shape.ToArray());
        Assert.Equal(new[] { 3, 1, 4 }, hessian[0][1].Shape.ToArray());
        Assert.Equal(new[] { 4, 3, 1 }, hessian[1][0].Shape.ToArray());
        Assert.Equal(new[] { 4, 4 }, hessian[1][1].Shape.ToArray());
        double worstFd = 0, worstAsymmetry = 0;
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                double[] h = hessian[i][j].ToArray<double>(), transposed = hessian[j][i].ToArray<double>();
                int n = x[i].Size, m = x[j].Size;
                for (int p = 0; p < n; p++)
                {
                    for (int q = 0; q < m; q++)
                    {
                        worstFd = Math.Max(worstFd, Math.Abs(h[(p * m) + q] - NumericalSecondDerivative(Scalar, x, i, p, j, q)));
                        worstAsymmetry = Math.Max(worstAsymmetry, Math.Abs(h[(p * m) + q] - transposed[(q * n) + p]));
                    }
                }
            }
        }

        Report("Hessian vs four-point finite differences", worstFd);
        Report("Hessian asymmetry |H[i][j] − H[j][i]ᵀ|", worstAsymmetry);
        Assert.True(worstFd < HessianFiniteDifferenceTolerance, $"max |H − FD| = {worstFd:E3}");
        Assert.True(worstAsymmetry < CrossTolerance, $"max asymmetry = {worstAsymmetry:E3}");
    }

    [Fact]
    public void Hvp_TwoBroadcastInputs_EqualsHessianTimesVAndFiniteDifferences()
    {
        Tensor[] x = Inputs(), v = Tangents();
        (Tensor value, Tensor[] hvps) = Autodiff.Hvp(Scalar, x, v);
        Tensor[][] hessian = Autodiff.Hessian(Scalar, x);

        Assert.Equal(Scalar(x).ItemDouble(), value.ItemDouble());
        double worstFd = 0, worstCross = 0;
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(x[i].Shape, hvps[i].Shape);
            double[] hv = new double[x[i].Size];
            for (int j = 0; j < 2; j++)
            {
                hv = Add(hv, MatVec(hessian[i][j].ToArray<double>(), v[j].ToArray<double>()));
            }

            worstCross = Math.Max(worstCross, MaxDifference(hvps[i].ToArray<double>(), hv));

            // (H·v)_p = d/dt ∂f/∂x_p (x + t·v), the inner derivative also by central differences: values of f only.
            double[] fd = new double[x[i].Size];
            for (int p = 0; p < fd.Length; p++)
            {
                double Partial(double t) => NumericalPartial(Scalar, Shifted(x, v, t), i, p, HessianStep);
                fd[p] = (Partial(HessianStep) - Partial(-HessianStep)) / (2 * HessianStep);
            }

            worstFd = Math.Max(worstFd, MaxDifference(hvps[i].ToArray<double>(), fd));
        }

        Report("Hvp vs Hessian·v", worstCross);
        Report("Hvp vs finite differences", worstFd);
        Assert.True(worstCross < CrossTolerance, $"max |Hvp − H·v| = {worstCross:E3}");
        Assert.True(worstFd < HessianFiniteDifferenceTolerance, $"max |Hvp − FD| = {worstFd:E3}");
    }

    [Fact]
    public void AllTransforms_UnusedInput_GiveZerosOfItsShape()
    {
        Tensor a = Tensor.FromArray(new double[] { 0.4, -0.9 }, 2);
        Tensor unused = Tensor.FromArray(new double[] { 1, 2, 3 }, 3);
        static Tensor F(Tensor[] x) => (x[0] * x[0] * x[0]).Sum();

        (_, Tensor[] vjps) = Autodiff.Vjp(F, [a, unused], Tensor.Scalar(1.0, DType.Float64));
        Assert.Equal(new[] { 0.48, 2.43 }, vjps[0].ToArray<double>(), Close);
        Assert.Equal(new double[3], vjps[1].ToArray<double>());

        (_, Tensor jvp) = Autodiff.Jvp(F, [a, unused], [Tensor.FromArray(new double[] { 1, 0 }, 2), Tensor.Ones([3], DType.Float64)]);
        Assert.Equal(0.48, jvp.ItemDouble(), 12);

        Tensor[] jacobian = Autodiff.Jacobian(F, [a, unused]);
        Assert.Equal(new[] { 3 }, jacobian[1].Shape.ToArray());
        Assert.Equal(new double[3], jacobian[1].ToArray<double>());

        Tensor[][] hessian = Autodiff.Hessian(F, [a, unused]);
        Assert.Equal(new[] { 2.4, 0, 0, -5.4 }, hessian[0][0].ToArray<double>(), Close);
        Assert.Equal(new[] { 2, 3 }, hessian[0][1].Shape.ToArray());
        Assert.Equal(new[] { 3, 2 }, hessian[1][0].Shape.ToArray());
        Assert.Equal(new[] { 3, 3 }, hessian[1][1].Shape.ToArray());
        Assert.All(hessian[0][1].ToArray<double>().Concat(hessian[1][0].ToArray<double>()).Concat(hessian[1][1].ToArray<double>()), h => Assert.Equal(0, h));

        (_, Tensor[] hvps) = Autodiff.Hvp(F, [a, unused], [Tensor.Ones([2], DType.Float64), Tensor.Ones([3], DType.Float64)]);
        Assert.Equal(new[] { 2.4, -5.4 }, hvps[0].ToArray<double>(), Close);
        Assert.Equal(new double[3], hvps[1].ToArray<double>());
    }

    [Fact]
    public void AllTransforms_OutputConstantInInputs_GiveZeros()
    {
        // f ignores its input entirely: no output requires grad, so no reverse pass has anything to walk.
        Tensor constant = Tensor.FromArray(new double[] { 5, 6 }, 2);
        Tensor x = Tensor.FromArray(new double[] { 1, 2, 3 }, 3);
        Tensor F(Tensor _) => constant;

        Assert.Equal(new double[3], Autodiff.Vjp(F, x, Tensor.Ones([2], DType.Float64)).Vjp.ToArray<double>());
        Assert.Equal(new double[2], Autodiff.Jvp(F, x, Tensor.Ones([3], DType.Float64)).Jvp.ToArray<double>());
        Assert.Equal(new double[6], Autodiff.Jacobian(F, x).ToArray<double>());
        Assert.Equal(new[] { 2, 3 }, Autodiff.Jacobian(F, x).Shape.ToArray());
    }

    [Fact]
    public void HessianAndHvp_LinearFunction_AreZero()
    {
        // The gradient of a linear function is a constant that requires no grad: the second pass must still answer zeros.
        Tensor w = Tensor.FromArray(new double[] { 2, -3, 0.5 }, 3);
        Tensor x = Tensor.FromArray(new double[] { 1, 1, 1 }, 3);
        Tensor F(Tensor v) => (v * w).Sum();

        Assert.Equal(new double[9], Autodiff.Hessian(F, x).ToArray<double>());
        Assert.Equal(new double[3], Autodiff.Hvp(F, x, Tensor.Ones([3], DType.Float64)).Hvp.ToArray<double>());
    }

    [Fact]
    public void SingleTensorOverloads_Cube_MatchClosedForms()
    {
        Tensor x = Tensor.FromArray(new double[] { 0.5, -1.5, 2.0 }, 3);
        Tensor v = Tensor.FromArray(new double[] { 1.0, 2.0, -1.0 }, 3);
        static Tensor Cube(Tensor t) => t * t * t;
        static Tensor SumOfCubes(Tensor t) => (t * t * t).Sum();
        double[] xs = x.ToArray<double>(), vs = v.ToArray<double>();

        // d(x³)/dx = 3x² on the diagonal; d²(Σx³)/dx² = diag(6x).
        Assert.Equal(xs.Select((a, i) => 3 * a * a * vs[i]), Autodiff.Jvp(Cube, x, v).Jvp.ToArray<double>(), Close);
        Assert.Equal(xs.Select((a, i) => 3 * a * a * vs[i]), Autodiff.Vjp(Cube, x, v).Vjp.ToArray<double>(), Close);
        Assert.Equal(new[] { 0.75, 0, 0, 0, 6.75, 0, 0, 0, 12 }, Autodiff.Jacobian(Cube, x).ToArray<double>(), Close);
        Assert.Equal(new[] { 3.0, 0, 0, 0, -9, 0, 0, 0, 12 }, Autodiff.Hessian(SumOfCubes, x).ToArray<double>(), Close);
        (Tensor value, Tensor hvp) = Autodiff.Hvp(SumOfCubes, x, v);
        Assert.Equal(0.125 - 3.375 + 8, value.ItemDouble(), 12);
        Assert.Equal(new[] { 3.0, -18, -12 }, hvp.ToArray<double>(), Close);
    }

    [Fact]
    public void Jvp_Float32_KeepsDtypeAndMatchesFloat64()
    {
        Tensor[] x = Inputs(), v = Tangents();
        Tensor[] jvp64 = Autodiff.Jvp(TwoByTwo, x, v).Jvps;
        Tensor[] jvp32 = Autodiff.Jvp(TwoByTwo, [.. x.Select(t => t.To(DType.Float32))], [.. v.Select(t => t.To(DType.Float32))]).Jvps;

        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(DType.Float32, jvp32[i].DType);
            Assert.True(MaxDifference(jvp32[i].ToArray<double>(), jvp64[i].ToArray<double>()) < 1e-5);
        }
    }

    [Fact]
    public void AllTransforms_LeaveInputsUntouched_AndResultsCarryNoHistory()
    {
        Tensor[] x = Inputs();
        Tensor[] v = Tangents();
        double[][] before = [.. x.Select(t => t.ToArray<double>())];

        // f writes into its argument in place: the transform's copy absorbs it, the caller's tensor does not.
        Tensor[] Mutating(Tensor[] t)
        {
            using (Autodiff.NoGrad())
            {
                t[1].AddInPlace(Tensor.Ones([4], DType.Float64));
            }

            return TwoByTwo(t);
        }

        (Tensor[] outputs, Tensor[] jvps) = Autodiff.Jvp(Mutating, x, v);
        _ = Autodiff.Vjp(TwoByTwo, x, Cotangents());
        _ = Autodiff.Jacobian(TwoByTwo, x);
        _ = Autodiff.Hessian(Scalar, x);
        (Tensor value, Tensor[] hvps) = Autodiff.Hvp(Scalar, x, v);

        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(before[i], x[i].ToArray<double>());
            Assert.False(x[i].RequiresGrad);
            Assert.Null(x[i].Grad);
            Assert.False(hvps[i].RequiresGrad);
        }

        Assert.All(outputs.Concat(jvps).Append(value), t => Assert.False(t.RequiresGrad));
    }

    [Fact]
    public void Vjp_IdentityFunction_ReturnsACopyOfTheCotangent()
    {
        Tensor x = Tensor.FromArray(new double[] { 1, 2 }, 2);
        Tensor v = Tensor.FromArray(new double[] { 3, 4 }, 2);

        Tensor vjp = Autodiff.Vjp(t => t, x, v).Vjp;
        Assert.Equal(new double[] { 3, 4 }, vjp.ToArray<double>());
        vjp.AddInPlace(Tensor.Ones([2], DType.Float64));
        Assert.Equal(new double[] { 3, 4 }, v.ToArray<double>());

        Assert.Equal(new double[] { 1, 0, 0, 1 }, Autodiff.Jacobian(t => t, x).ToArray<double>());
        Assert.Equal(new double[] { 3, 4 }, Autodiff.Jvp(t => t, x, v).Jvp.ToArray<double>());
    }

    [Fact]
    public void Transforms_InsideNoGradScope_StillDifferentiate()
    {
        Tensor x = Tensor.FromArray(new double[] { 0.5, -1.5, 2.0 }, 3);
        using (Autodiff.NoGrad())
        {
            Assert.Equal(new[] { 3.0, 0, 0, 0, -9, 0, 0, 0, 12 }, Autodiff.Hessian(t => (t * t * t).Sum(), x).ToArray<double>(), Close);
            Assert.Equal(new[] { 0.75, 6.75, 12 }, Autodiff.Jvp(t => t * t * t, x, Tensor.Ones([3], DType.Float64)).Jvp.ToArray<double>(), Close);
        }
    }

    [Fact]
    public void Jvp_TangentOfWrongShape_ThrowsNamingTransformAndShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Autodiff.Jvp(TwoByTwo, Inputs(), [Tangents()[0], Tensor.Zeros([3], DType.Float64)]));
        Assert.Contains("Jvp: tangent 1 is f64[3] but input 1 is f64[4]", error.Message);

        var count = Assert.Throws<ArgumentException>(() => Autodiff.Jvp(TwoByTwo, Inputs(), [Tangents()[0]]));
        Assert.Contains("Jvp: 1 tangent(s) for 2 input(s)", count.Message);

        var dtype = Assert.Throws<ArgumentException>(() => Autodiff.Hvp(Scalar, Inputs(), [Tangents()[0], Tangents()[1].To(DType.Float32)]));
        Assert.Contains("Hvp: vector 1 is f32[4] but input 1 is f64[4]", dtype.Message);
    }

    [Fact]
    public void Vjp_CotangentOfWrongShape_ThrowsNamingOutput()
    {
        var error = Assert.Throws<ArgumentException>(() => Autodiff.Vjp(TwoByTwo, Inputs(), [Tensor.Zeros([4, 3], DType.Float64), Cotangents()[1]]));
        Assert.Contains("Vjp: cotangent 0 is f64[4,3] but output 0 is f64[3,4]", error.Message);
    }

    [Fact]
    public void HessianAndHvp_NonScalarFunction_ThrowNamingTheShape()
    {
        Tensor x = Tensor.FromArray(new double[] { 1, 2, 3 }, 3);
        var hessian = Assert.Throws<ArgumentException>(() => Autodiff.Hessian(t => t.Tanh(), x));
        Assert.Contains("Hessian: f returned f64[3]", hessian.Message);
        Assert.Contains("scalar", hessian.Message);

        var hvp = Assert.Throws<ArgumentException>(() => Autodiff.Hvp(t => t.Tanh(), x, x));
        Assert.Contains("Hvp: f returned f64[3]", hvp.Message);
    }

    private static readonly Func<double, double, bool> Close = (a, b) => Math.Abs(a - b) < 1e-12;

    private void Report(string what, double value) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: max |difference| = {value:E2}"));

    /// <summary>Per output i and input j, the [size(fᵢ), size(xⱼ)] matrix of central differences, row-major.</summary>
    private static double[][][] NumericalJacobian(Func<Tensor[], Tensor[]> f, Tensor[] x)
    {
        int outputs = f(x).Length;
        var result = new double[outputs][][];
        for (int i = 0; i < outputs; i++)
        {
            result[i] = new double[x.Length][];
        }

        for (int j = 0; j < x.Length; j++)
        {
            for (int e = 0; e < x[j].Size; e++)
            {
                Tensor[] plus = f(Perturbed(x, j, e, Step)), minus = f(Perturbed(x, j, e, -Step));
                for (int i = 0; i < outputs; i++)
                {
                    double[] p = plus[i].ToArray<double>(), m = minus[i].ToArray<double>();
                    result[i][j] ??= new double[p.Length * x[j].Size];
                    for (int k = 0; k < p.Length; k++)
                    {
                        result[i][j][(k * x[j].Size) + e] = (p[k] - m[k]) / (2 * Step);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>∂f/∂x[i]_p by a central difference of step h.</summary>
    private static double NumericalPartial(Func<Tensor[], Tensor> f, Tensor[] x, int i, int p, double h) =>
        (f(Perturbed(x, i, p, h)).ItemDouble() - f(Perturbed(x, i, p, -h)).ItemDouble()) / (2 * h);

    /// <summary>∂²f/∂x[i]_p∂x[j]_q by the four-point formula, from values of f only.</summary>
    private static double NumericalSecondDerivative(Func<Tensor[], Tensor> f, Tensor[] x, int i, int p, int j, int q)
    {
        double F(double s, double t) => f(Perturbed(Perturbed(x, i, p, s), j, q, t)).ItemDouble();
        double h = HessianStep;
        return (F(h, h) - F(h, -h) - F(-h, h) + F(-h, -h)) / (4 * h * h);
    }

    private static Tensor[] Perturbed(Tensor[] x, int input, int element, double delta)
    {
        Tensor[] copy = [.. x.Select(t => t.Clone())];
        copy[input].SetFlat(element, copy[input].GetFlat(element) + delta);
        return copy;
    }

    private static Tensor[] Shifted(Tensor[] x, Tensor[] direction, double t) =>
        [.. x.Select((a, i) => Tensor.FromArray([.. a.ToArray<double>().Zip(direction[i].ToArray<double>(), (p, d) => p + (t * d))], a.Shape.ToArray()))];

    private static double[] MatVec(double[] matrix, double[] vector)
    {
        var result = new double[matrix.Length / vector.Length];
        for (int r = 0; r < result.Length; r++)
        {
            for (int c = 0; c < vector.Length; c++)
            {
                result[r] += matrix[(r * vector.Length) + c] * vector[c];
            }
        }

        return result;
    }

    private static double[] VecMat(double[] vector, double[] matrix)
    {
        var result = new double[matrix.Length / vector.Length];
        for (int r = 0; r < vector.Length; r++)
        {
            for (int c = 0; c < result.Length; c++)
            {
                result[c] += vector[r] * matrix[(r * result.Length) + c];
            }
        }

        return result;
    }

    private static double[] Add(double[] a, double[] b) => [.. a.Zip(b, (p, q) => p + q)];

    private static double MaxDifference(double[] a, double[] b)
    {
        Assert.Equal(b.Length, a.Length);
        return a.Zip(b, (p, q) => Math.Abs(p - q)).DefaultIfEmpty(0).Max();
    }

    [Fact]
    public void TransformInsideAnotherTransformsFunction_IsRefusedInsteadOfGivingZeros()
    {
        var x = Tensor.FromArray(new double[] { 1.0, 2.0 });
        var error = Assert.Throws<InvalidOperationException>(() =>
            Autodiff.Jacobian((Tensor t) => Autodiff.Jvp((Tensor u) => u.Square(), t, t.OnesLike()).Jvp, x));
        Assert.Contains("inside the function of another transform", error.Message);

        // After the refusal the thread is usable again.
        Assert.Equal(new[] { 2.0, 4.0 }, Autodiff.Jvp((Tensor u) => u.Square(), x, x.OnesLike()).Jvp.ToArray<double>());
    }
}
