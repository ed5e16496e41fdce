// Quickstart: build a small expression, print its value and the gradients AutoGrad derives for it.
using AutoGrad.Differentiation;
using AutoGrad.Tensors;

var x = Tensor.FromArray(new float[] { 1f, 2f, 3f }).RequireGrad();
var w = Tensor.FromArray(new float[,] { { 0.5f, -1f, 2f }, { 1f, 0f, -0.5f } }).RequireGrad();

// y = tanh(W·x); loss = Σ y² + Σ exp(x) / 3
var y = w.MatMul(x).Tanh();
var loss = (y * y).Sum() + x.Exp().Sum() / 3;

Console.WriteLine($"W·x        = {w.MatMul(x)}");
Console.WriteLine($"y          = {y}");
Console.WriteLine($"loss       = {loss.Item():F6}");
loss.Backward();
Console.WriteLine($"dloss/dx   = {x.Grad}");
Console.WriteLine($"dloss/dW   =\n{w.Grad}");

// The same gradients by the functional form, and a second derivative: d²/dx² of Σ x³ is 6x.
var cube = (x * x * x).Sum();
var dx = Autodiff.Grad(cube, [x], createGraph: true)[0];
var d2x = Autodiff.Grad(dx.Sum(), [x])[0];
Console.WriteLine($"d(Σx³)/dx  = {dx}");
Console.WriteLine($"d²(Σx³)/dx² = {d2x}");
