// The code of docs/getting-started.md: each #region appears there verbatim, and
// tests/AutoGrad.Tests/Examples/GettingStartedSnippetsTests.cs runs every method and checks what it computes.
#region usings
using AutoGrad.Differentiation;
using AutoGrad.NN;
using AutoGrad.NN.Layers;
using AutoGrad.NN.Losses;
using AutoGrad.NN.Optimizers;
using AutoGrad.NN.Training;
using AutoGrad.Tensors;
#endregion

namespace AutoGrad.Docs.Snippets;

/// <summary>The getting-started walkthrough, one method per section.</summary>
public static class GettingStartedSnippets
{
    /// <summary>Creating tensors and computing with them.</summary>
    public static Tensor Tensors()
    {
        #region tensors
        Tensor a = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } });   // f32[2,2]
        Tensor b = Tensor.Ones([2, 2]);
        Tensor c = a.MatMul(b) + 1;       // a scalar broadcasts to every element
        Console.WriteLine(c);             // [[4. 4.]  [8. 8.]], one row per line as NumPy prints
        Console.WriteLine(c.Type);        // f32[2,2]
        #endregion
        return c;
    }

    /// <summary>Backward on a scalar fills the gradients of the leaves.</summary>
    public static Tensor Gradients()
    {
        #region gradients
        Tensor x = Tensor.FromArray(new double[] { 1, 2, 3 }).RequireGrad();
        Tensor y = (x * x).Sum();         // y = Σ x²
        y.Backward();
        Console.WriteLine(x.Grad);        // dy/dx = 2x: [2. 4. 6.]
        #endregion
        return x.Grad!;
    }

    /// <summary>Gradients are graphs, so they can be differentiated again.</summary>
    public static (Tensor First, Tensor Second) HigherOrder()
    {
        #region higher-order
        Tensor x = Tensor.FromArray(new double[] { 0.5, 1.0 }).RequireGrad();
        Tensor f = x.Tanh().Sum();
        Tensor df = Autodiff.Grad(f, [x], createGraph: true)[0];   // 1 − tanh²(x), itself recorded
        Tensor d2f = Autodiff.Grad(df.Sum(), [x])[0];              // −2·tanh(x)·(1 − tanh²(x))
        #endregion
        return (df, d2f);
    }

    /// <summary>A training loop written out: linear regression with SGD.</summary>
    public static (double Weight, double Bias) ManualLoop()
    {
        #region manual-loop
        var generator = new Generator(seed: 0);
        Tensor xs = Tensor.Uniform([100, 1], -1, 1, generator);
        Tensor ys = (3 * xs) + 2 + (0.1 * Tensor.RandN([100, 1], generator));   // y ≈ 3x + 2

        Tensor w = Tensor.Zeros([1, 1]).RequireGrad();
        Tensor b = Tensor.Zeros([1]).RequireGrad();
        var optimizer = new Sgd([w, b], learningRate: 0.1);
        for (int step = 0; step < 300; step++)
        {
            optimizer.ZeroGrad();
            Tensor loss = (xs.MatMul(w) + b - ys).Square().Mean();
            loss.Backward();
            optimizer.Step();                 // w -= 0.1·∂loss/∂w, b -= 0.1·∂loss/∂b
        }
        Console.WriteLine($"w = {w.Item():F2}, b = {b.Item():F2}");   // w = 3.02, b = 2.02
        #endregion
        return (w.ItemDouble(), b.ItemDouble());
    }

    /// <summary>Keras style: a Sequential model, Compile and Fit, on XOR.</summary>
    public static (Sequential Model, Tensor Predictions) KerasStyle()
    {
        #region sequential
        Generator.ManualSeed(13);
        Tensor x = Tensor.FromArray(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });
        Tensor y = Tensor.FromArray(new float[,] { { 0 }, { 1 }, { 1 }, { 0 } });

        var model = new Sequential(new Dense(3, "relu"), new Dense(1, "sigmoid"));
        model.Compile(new Adam(model, learningRate: 0.05), new BinaryCrossEntropy(), "accuracy");
        History history = model.Fit(x, y, epochs: 300, batchSize: 4, verbose: Verbosity.Silent);

        Console.WriteLine(model.Summary());
        Console.WriteLine($"accuracy {history["accuracy"][^1]}");   // 1
        Console.WriteLine(model.Predict(x));                        // [[0.0027] [0.9921] [0.9983] [0.0017]]
        #endregion
        return (model, model.Predict(x));
    }

    /// <summary>Saving and loading the weights.</summary>
    public static Tensor SaveAndLoad(Sequential model, Tensor x)
    {
        #region save-load
        model.Save("xor.safetensors");

        var copy = new Sequential(new Dense(3, "relu", inputSize: 2), new Dense(1, "sigmoid", inputSize: 3));
        copy.Load("xor.safetensors");          // checks every name, shape and dtype
        Console.WriteLine(copy.Predict(x));    // the same predictions as the model's
        #endregion
        Tensor predictions = copy.Predict(x);
        File.Delete("xor.safetensors");
        return predictions;
    }

    /// <summary>Checking the gradient of your own function.</summary>
    public static GradCheckResult CheckGradients()
    {
        #region gradcheck
        static Tensor SoftSign(Tensor[] v) => v[0] / (v[0].Abs() + 1);

        GradCheckResult result = GradCheck.Check(SoftSign, [Tensor.RandN([3, 4], new Generator(1))]);
        Console.WriteLine(result.Passed);      // True: AutoGrad's gradient matches finite differences
        #endregion
        return result;
    }

    /// <summary>Function transforms: Jacobian, Jvp, Vjp, Hessian and Hvp of functions of one or several tensors.</summary>
    public static (Tensor Jacobian, Tensor Jv, Tensor Vj, Tensor[][] Hessian, Tensor[] Hv) Transforms()
    {
        #region transforms
        Tensor x = Tensor.FromArray(new double[] { 1, 2, 3 });
        Tensor v = Tensor.FromArray(new double[] { 1, 0, -1 });

        // One tensor in, one out: f(x) = x² elementwise, so J = diag(2x)
        Tensor jacobian = Autodiff.Jacobian(t => t * t, x);       // f64[3,3]: [[2 0 0] [0 4 0] [0 0 6]]
        (Tensor y, Tensor jv) = Autodiff.Jvp(t => t * t, x, v);   // y = [1 4 9], J·v = [2 0 -6]
        (_, Tensor vj) = Autodiff.Vjp(t => t * t, x, v);          // vᵀ·J = [2 0 -6]

        // Several tensors in: a scalar loss of a weight vector and a bias, L(w, b) = (w·x + b)²
        Tensor Loss(Tensor[] p) => ((p[0] * x).Sum() + p[1]).Square();
        Tensor w = Tensor.FromArray(new double[] { 0.5, -0.5, 1.0 });
        Tensor b = Tensor.Scalar(0.25, DType.Float64);
        Tensor[][] hessian = Autodiff.Hessian(Loss, [w, b]);      // [input][input]: H_ww = 2x·xᵀ, H_wb = 2x, H_bb = 2
        (Tensor loss, Tensor[] hv) = Autodiff.Hvp(Loss, [w, b], [v, Tensor.Scalar(1.0, DType.Float64)]);
        Console.WriteLine($"L = {loss.ItemDouble()}, H·(v, 1) = {hv[0]}, {hv[1]}");   // L = 7.5625, H·(v, 1) = [-2. -4. -6.], -2.
        #endregion
        return (jacobian, jv, vj, hessian, hv);
    }
}
