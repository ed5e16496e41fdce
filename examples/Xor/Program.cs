// XOR: the classic first network, three ways, with AutoGrad deriving every gradient.
using AutoGrad.Examples.Xor;

return XorProgram.Run(args, Console.Out, Console.Error);
