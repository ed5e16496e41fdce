using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Elementwise;

public class OpErrorMessageTests
{
    public static TheoryData<string> BinaryOps() => new() { "add", "sub", "mul", "div", "pow", "maximum", "minimum", "greater", "equal" };

    public static TheoryData<string> AxisOps() => new()
    {
        "reduce_sum", "mean", "reduce_max", "reduce_min", "logsumexp", "var", "argmax", "argmin", "softmax", "log_softmax",
    };

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void BinaryOp_ShapesDoNotBroadcast_MessageNamesOpAndBothShapes(string op)
    {
        var error = Assert.Throws<ArgumentException>(() => Binary(op, Tensor.Ones([2, 3]), Tensor.Ones([4])));
        Assert.Equal(
            $"{op}: shapes (2, 3) and (4,) do not broadcast: axis -1 has size 3 in the first and 4 in the second (sizes must be equal, or one of them 1).",
            error.Message);
    }

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void BinaryOp_DTypesDiffer_PromoteLikePyTorch(string op)
    {
        // f32 with f64 computes in f64; a 0-D f64 operand does not widen an f32 tensor (PyTorch's rule for scalars).
        Tensor wide = Binary(op, Tensor.Ones([2, 3]), Tensor.Ones([2, 3], DType.Float64));
        Tensor scalar = Binary(op, Tensor.Ones([2, 3]), Tensor.Scalar(1.0, DType.Float64));
        DType expected = op is "greater" or "equal" ? DType.Bool : DType.Float64;
        Assert.Equal(expected, wide.DType);
        Assert.Equal(expected == DType.Bool ? DType.Bool : DType.Float32, scalar.DType);
    }

    [Fact]
    public void Where_ConditionDoesNotBroadcast_MessageNamesAllShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Where(Tensor.Ones([4], DType.Bool), Tensor.Ones([2, 3]), Tensor.Ones([3])));
        Assert.Equal("where: condition shape (4,) does not broadcast with the value shapes (2, 3) and (3,) (which broadcast to (2, 3)).", error.Message);
    }

    [Theory]
    [MemberData(nameof(AxisOps))]
    public void AxisOp_AxisOutOfRange_MessageNamesOpAxisAndRank(string op)
    {
        Tensor x = Tensor.Ones([2, 3]);
        Action call = op switch
        {
            "reduce_sum" => () => x.Sum(2),
            "mean" => () => x.Mean(2),
            "reduce_max" => () => x.Max(2),
            "reduce_min" => () => x.Min(2),
            "logsumexp" => () => x.LogSumExp(2),
            "var" => () => x.Var(2),
            "argmax" => () => x.ArgMax(2),
            "argmin" => () => x.ArgMin(2),
            "softmax" => () => x.Softmax(2),
            _ => () => x.LogSoftmax(-3),
        };
        var error = Assert.Throws<ArgumentOutOfRangeException>(call);
        int axis = op == "log_softmax" ? -3 : 2;
        Assert.StartsWith($"{op}: axis {axis} is out of range for a tensor of rank 2 (valid: -2..1).", error.Message);
    }

    private static Tensor Binary(string op, Tensor a, Tensor b) => op switch
    {
        "add" => a.Add(b),
        "sub" => a.Sub(b),
        "mul" => a.Mul(b),
        "div" => a.Div(b),
        "pow" => a.Pow(b),
        "maximum" => a.Maximum(b),
        "minimum" => a.Minimum(b),
        "greater" => a.Greater(b),
        _ => a.Equal(b),
    };
}
