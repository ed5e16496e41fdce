using AutoGrad.Tensors;

namespace AutoGrad.Examples.Xor;

/// <summary>The four XOR samples.</summary>
public static class XorData
{
    /// <summary>The inputs <c>[4, 2]</c>: 00, 01, 10, 11.</summary>
    public static Tensor Inputs() => Tensor.FromArray(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });

    /// <summary>The targets <c>[4, 1]</c>: 0, 1, 1, 0.</summary>
    public static Tensor Targets() => Tensor.FromArray(new float[,] { { 0 }, { 1 }, { 1 }, { 0 } });
}
