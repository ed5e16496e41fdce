using AutoGrad.Ops;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops;

/// <summary>
/// Ops that claim <see cref="Op.ForwardWritesEveryElement"/> get outputs that are not zeroed; with the dispatcher's
/// test poison on, such outputs start as NaN, so an op that skips an element changes the result.
/// </summary>
public class OpDispatcherTests
{
    private static readonly Dictionary<string, Func<Tensor>> Cases = new()
    {
        ["exp of empty"] = () => Tensor.Zeros([0, 3]).Exp(),
        ["relu of scalar"] = () => Tensor.Scalar(-2.0f).Relu(),
        ["tanh f64"] = () => Tensor.Arange(-3, 3).To(DType.Float64).Tanh(),
        ["clamp min only"] = () => Tensor.Arange(-3, 3).Clamp(-1, null),
        ["add broadcast row"] = () => Tensor.Arange(0, 6).Reshape([2, 3]).Add(Tensor.Arange(0, 3)),
        ["sub broadcast column"] = () => Tensor.Arange(0, 6).Reshape([2, 3]).Sub(Tensor.Arange(0, 2).Reshape([2, 1])),
        ["mul outer broadcast"] = () => Tensor.Arange(0, 4).Reshape([4, 1]).Mul(Tensor.Arange(0, 3).Reshape([1, 3])),
        ["div scalar by vector"] = () => Tensor.Scalar(1.0f).Div(Tensor.Arange(1, 5)),
        ["greater mask"] = () => Tensor.Arange(0, 6).Greater(2.5),
        ["sum over all"] = () => Tensor.Arange(0, 12).Reshape([3, 4]).Sum(),
        ["sum over middle axis"] = () => Tensor.Arange(0, 24).Reshape([2, 3, 4]).Sum(1),
        ["sum over empty axis"] = () => Tensor.Zeros([3, 0]).Sum(1),
        ["sum over no axes"] = () => Tensor.Arange(0, 6).Reshape([2, 3]).Sum([], keepDims: false),
        ["max keepDims"] = () => Tensor.Arange(0, 12).Reshape([3, 4]).Max(0, keepDims: true),
        ["logsumexp"] = () => Tensor.Arange(0, 12).Reshape([3, 4]).LogSumExp(1),
        ["softmax rows"] = () => Tensor.Arange(0, 12).Reshape([3, 4]).Softmax(-1),
        ["log_softmax axis 0"] = () => Tensor.Arange(0, 12).Reshape([3, 4]).LogSoftmax(0),
        ["softmax of one element"] = () => Tensor.Full([1], 3.0).Softmax(),
        ["log_softmax of empty rows"] = () => Tensor.Zeros([2, 0]).LogSoftmax(),
        ["matmul"] = () => Tensor.Arange(0, 6).Reshape([2, 3]).MatMul(Tensor.Arange(0, 12).Reshape([3, 4])),
        ["matmul k = 0"] = () => Tensor.Zeros([3, 0]).MatMul(Tensor.Zeros([0, 5])),
        ["matmul narrow transposed"] = () => Tensor.Arange(0, 40).Reshape([20, 2]).MatMul(Tensor.Arange(0, 60).Reshape([20, 3]), true, false),
        ["matmul batched broadcast"] = () => Tensor.Arange(0, 24).Reshape([2, 3, 4]).MatMul(Tensor.Arange(0, 8).Reshape([4, 2])),
        ["matmul empty batch"] = () => Tensor.Zeros([0, 2, 3]).MatMul(Tensor.Zeros([3, 4])),
        ["reshape"] = () => Tensor.Arange(0, 6).Reshape([3, 2]),
        ["broadcast_to"] = () => Tensor.Arange(0, 3).Reshape([3, 1]).BroadcastTo([2, 3, 4]),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Apply_OutputAllocatedUnzeroed_MatchesZeroedRun(string name)
    {
        Tensor expected = Cases[name]();
        Tensor actual = WithPoison(Cases[name]);

        Assert.Equal(expected.Shape, actual.Shape);
        double[] expectedValues = Values(expected), actualValues = Values(actual);
        Assert.DoesNotContain(double.NaN, expectedValues);
        Assert.Equal(expectedValues, actualValues);
    }

    [Fact]
    public void Apply_OpClaimingFullWriteSkipsElements_ShowsPoison()
    {
        Tensor output = WithPoison(() => new SkipsSecondElementOp().Apply(Tensor.Ones([3])));

        Assert.Equal([1.0, double.NaN, 1.0], Values(output));
    }

    [Fact]
    public void Apply_OpNotClaimingFullWrite_GetsZeroedOutput()
    {
        Tensor output = WithPoison(() => new SkipsSecondElementOp(claims: false).Apply(Tensor.Ones([3])));

        Assert.Equal([1.0, 0.0, 1.0], Values(output));
    }

    private static Tensor WithPoison(Func<Tensor> run)
    {
        OpDispatcher.PoisonUninitializedOutputs = true;
        try
        {
            return run();
        }
        finally
        {
            OpDispatcher.PoisonUninitializedOutputs = false;
        }
    }

    private static double[] Values(Tensor t) => [.. Enumerable.Range(0, t.Size).Select(t.GetFlat)];

    /// <summary>Writes elements 0 and 2 of a 3-vector only.</summary>
    private sealed class SkipsSecondElementOp(bool claims = true) : Op
    {
        public override string Name => "skips_second";

        protected internal override bool ForwardWritesEveryElement => claims;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) => inputs[0];

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            output.SetFlat(0, 1.0);
            output.SetFlat(2, 1.0);
        }

        public override Tensor?[] Backward(GradientContext context) => [context.OutputGrad];
    }
}
