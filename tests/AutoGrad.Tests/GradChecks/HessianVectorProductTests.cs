using AutoGrad.Differentiation;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.GradChecks;

public class HessianVectorProductTests
{
    [Fact]
    public void HessianVectorProduct_MlpLoss_MatchesFiniteDifferencesOfTheGradient()
    {
        var generator = new Generator(7);
        Shape[] shapes = [[3, 5], [5], [5, 2], [2]];
        Tensor[] parameters = shapes.Select(s => Tensor.RandN(s, generator, DType.Float64).RequireGrad()).ToArray();
        Tensor[] direction = shapes.Select(s => Tensor.RandN(s, generator, DType.Float64)).ToArray();

        // H·v as the gradient of (∇L · v), through the recorded backward pass.
        Tensor[] gradient = Autodiff.Grad(Loss(parameters), parameters, createGraph: true);
        Tensor directional = Tensor.Scalar(0.0, DType.Float64);
        for (int i = 0; i < gradient.Length; i++)
        {
            directional = directional.Add(gradient[i].Mul(direction[i]).Sum());
        }

        Tensor[] hvp = Autodiff.Grad(directional, parameters);

        // (∇L(p + εv) − ∇L(p − εv)) / 2ε.
        const double epsilon = 1e-5;
        Tensor[] plus = GradientAt(parameters, direction, epsilon);
        Tensor[] minus = GradientAt(parameters, direction, -epsilon);
        for (int i = 0; i < parameters.Length; i++)
        {
            double[] analytical = hvp[i].ToArray<double>();
            double[] up = plus[i].ToArray<double>(), down = minus[i].ToArray<double>();
            for (int e = 0; e < analytical.Length; e++)
            {
                double numerical = (up[e] - down[e]) / (2 * epsilon);
                Assert.True(Math.Abs(analytical[e] - numerical) <= 1e-6 + (1e-4 * Math.Abs(numerical)),
                    $"parameter {i} element {e}: H·v {analytical[e]:R}, finite difference {numerical:R}");
            }
        }

        Assert.Contains(hvp, h => h.ToArray<double>().Any(v => Math.Abs(v) > 1e-3));
    }

    private static Tensor Loss(Tensor[] p) => OpCatalog.MlpLoss(p[0], p[1], p[2], p[3]);

    private static Tensor[] GradientAt(Tensor[] parameters, Tensor[] direction, double step)
    {
        Tensor[] shifted = parameters.Select((p, i) => p.Detach().Add(direction[i].Mul(step)).RequireGrad()).ToArray();
        return Autodiff.Grad(Loss(shifted), shifted);
    }
}
