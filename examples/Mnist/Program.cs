// MNIST: trains one of four models on the handwritten digits, with AutoGrad deriving every gradient.
using AutoGrad.Examples.Mnist;

return MnistProgram.Run(args, Console.Out, Console.Error);
