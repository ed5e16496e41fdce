using AutoGrad.NN.Layers;
using AutoGrad.Tensors;

namespace AutoGrad.Tests.NN;

public class ReshapeLayerTests
{
    [Fact]
    public void Reshape_KeepsTheBatchAxisAndTheElementOrder()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 2, 6);
        Tensor y = new Reshape([3, -1]).Call(x);
        Assert.Equal(new[] { 2, 3, 2 }, y.Shape.ToArray());
        Assert.Equal(x.ToArray(), y.ToArray());
    }

    [Fact]
    public void Reshape_WrongSize_NamesTheShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => new Reshape([5]).Call(Tensor.Zeros([2, 6])));
        Assert.Contains("(2, 6)", error.Message);
    }
}
