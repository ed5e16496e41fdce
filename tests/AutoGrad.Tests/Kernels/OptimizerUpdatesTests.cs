using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

public class OptimizerUpdatesTests
{
    public static TheoryData<int> Lengths => [.. Enumerable.Range(0, 261).Where(n => n < 40 || n % 7 == 0 || n == 260), 4099];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Adam_EveryLength_MatchesTheTextbookFormulaInFloat64(int length)
    {
        var random = new Random(length);
        double[] p = Values(random, length), g = Values(random, length), m = Values(random, length), v = Values(random, length, positive: true);
        float[] pf = ToFloat(p), gf = ToFloat(g), mf = ToFloat(m), vf = ToFloat(v);
        double[] pd = (double[])p.Clone(), md = (double[])m.Clone(), vd = (double[])v.Clone();
        const double b1 = 0.9, b2 = 0.999, lr = 0.01, eps = 1e-8, l2 = 0.05, shrink = 0.999;
        double c1 = 1 - Math.Pow(b1, 3), c2 = 1 - Math.Pow(b2, 3);

        OptimizerUpdates.Adam<float>(pf, gf, mf, vf, (float)b1, (float)b2, (float)c1, (float)c2, (float)lr, (float)eps, (float)l2, (float)shrink);
        OptimizerUpdates.Adam<double>(pd, g, md, vd, b1, b2, c1, c2, lr, eps, l2, shrink);

        for (int i = 0; i < length; i++)
        {
            double d = g[i] + (l2 * p[i]);
            double mi = (b1 * m[i]) + ((1 - b1) * d);
            double vi = (b2 * v[i]) + ((1 - b2) * d * d);
            double pi = (p[i] * shrink) - (lr * (mi / c1) / (Math.Sqrt(vi / c2) + eps));
            Assert.Equal(mi, md[i], 1e-14);
            Assert.Equal(vi, vd[i], 1e-14);
            Assert.Equal(pi, pd[i], 1e-13);
            Assert.Equal(mi, mf[i], 1e-6);
            Assert.Equal(vi, vf[i], 1e-6);
            Assert.Equal(pi, pf[i], 1e-5);
        }
    }

    [Theory]
    [InlineData(0, false, true)]
    [InlineData(37, false, true)]
    [InlineData(37, false, false)]
    [InlineData(37, true, false)]
    [InlineData(260, true, true)]
    [InlineData(261, false, true)]
    public void Sgd_EveryMomentumVariant_MatchesTheScalarFormula(int length, bool nesterov, bool firstStep)
    {
        var random = new Random(length);
        double[] p = Values(random, length), g = Values(random, length), b = Values(random, length);
        double[] pd = (double[])p.Clone(), bd = (double[])b.Clone(), plain = (double[])p.Clone();
        const double lr = 0.1, wd = 0.01, mu = 0.9, keep = 1.0;

        OptimizerUpdates.Sgd<double>(pd, g, bd, lr, wd, mu, keep, firstStep, nesterov);
        OptimizerUpdates.Sgd<double>(plain, g, Span<double>.Empty, lr, wd, mu, keep, firstStep, nesterov);

        for (int i = 0; i < length; i++)
        {
            double d = g[i] + (wd * p[i]);
            Assert.Equal(p[i] - (lr * d), plain[i], 1e-15);
            double bi = firstStep ? d : (mu * b[i]) + (keep * d);
            Assert.Equal(bi, bd[i], 1e-15);
            Assert.Equal(p[i] - (lr * (nesterov ? d + (mu * bi) : bi)), pd[i], 1e-15);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(37)]
    public void Adam_MomentsDecayingBelowTheNormalRange_AreFlushedToZero(int length)
    {
        // A weight whose gradient stays 0 after one step: m shrinks by β₁ per step and would become subnormal
        // (slow on CPUs) after ~800 float steps; it must reach exactly 0 instead, leaving the weight finite and fixed.
        float[] p = Enumerable.Repeat(0.5f, length).ToArray(), g = Enumerable.Repeat(1e-3f, length).ToArray();
        float[] m = new float[length], v = new float[length];
        OptimizerUpdates.Adam<float>(p, g, m, v, 0.9f, 0.999f, 0.1f, 0.001f, 0.001f, 1e-8f, 0f, 1f);
        Array.Clear(g);
        for (int step = 0; step < 1200; step++)
        {
            OptimizerUpdates.Adam<float>(p, g, m, v, 0.9f, 0.999f, 1f, 1f, 0.001f, 1e-8f, 0f, 1f);
            Assert.All(m, x => Assert.False(float.IsSubnormal(x), $"m became subnormal ({x}) at step {step}"));
            Assert.All(v, x => Assert.False(float.IsSubnormal(x), $"v became subnormal ({x}) at step {step}"));
        }

        Assert.All(m, x => Assert.Equal(0f, x));
        Assert.All(p, x => Assert.True(float.IsFinite(x) && x < 0.5f));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Adam_VectorBody_GivesTheBitsOfEachElementUpdatedAlone(bool amsgrad)
    {
        // 83 elements: whole vectors and a tail. An element updated alone goes through the scalar tail, so any
        // difference between the vector body's arithmetic and the scalar formula shows up here (one m is subnormal).
        AssertBodyMatchesAlone<float>(amsgrad);
        AssertBodyMatchesAlone<double>(amsgrad);
    }

    private static void AssertBodyMatchesAlone<T>(bool amsgrad)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        const int length = 83;
        var random = new Random(7);
        T[] Make(bool positive) => [.. Values(random, length, positive).Select(x => T.CreateTruncating(x * (positive ? 1e-3 : 0.1)))];
        T[] p = Make(false), g = Make(false), m = Make(false), v = Make(true), u = Make(true);
        m[3] = T.CreateTruncating(1e-39);
        T[] p1 = (T[])p.Clone(), m1 = (T[])m.Clone(), v1 = (T[])v.Clone(), u1 = (T[])u.Clone();
        T b1 = T.CreateTruncating(0.9), b2 = T.CreateTruncating(0.999), c1 = T.CreateTruncating(0.271), c2 = T.CreateTruncating(0.002997);
        T lr = T.CreateTruncating(1e-3), eps = T.CreateTruncating(1e-8), l2 = T.CreateTruncating(0.01), shrink = T.CreateTruncating(0.9999);

        OptimizerUpdates.Adam<T>(p, g, m, v, b1, b2, c1, c2, lr, eps, l2, shrink, amsgrad ? u : default);
        for (int i = 0; i < length; i++)
        {
            OptimizerUpdates.Adam<T>(p1.AsSpan(i, 1), g.AsSpan(i, 1), m1.AsSpan(i, 1), v1.AsSpan(i, 1), b1, b2, c1, c2, lr, eps, l2, shrink,
                amsgrad ? u1.AsSpan(i, 1) : default);
        }

        Assert.Equal(p1, p);
        Assert.Equal(m1, m);
        Assert.Equal(v1, v);
        Assert.Equal(u1, u);
    }

    [Fact]
    public void Adam_StateOfAnotherLength_ThrowsNamingTheLengths()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            OptimizerUpdates.Adam<float>(new float[4], new float[4], new float[3], new float[4], 0.9f, 0.999f, 1, 1, 0.1f, 1e-8f, 0, 1));
        Assert.Equal("Optimizer update: the parameter has 4 elements but the gradient and state have 4, 3 and 4.", error.Message);
    }

    private static double[] Values(Random random, int length, bool positive = false) =>
        [.. Enumerable.Range(0, length).Select(_ => positive ? random.NextDouble() : (random.NextDouble() * 2) - 1)];

    private static float[] ToFloat(double[] values) => [.. values.Select(v => (float)v)];
}
