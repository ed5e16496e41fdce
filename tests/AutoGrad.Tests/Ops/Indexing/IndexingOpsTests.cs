using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Indexing;

public class IndexingOpsTests
{
    private static Tensor Iota(params int[] shape) => Tensor.Arange(new Shape(shape).Size, DType.Float64).Reshape(shape);

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Gather_Axis1_PicksPerRow(DType dtype)
    {
        Tensor x = Iota(3, 4).To(dtype);
        Tensor y = x.Gather(1, Tensor.FromArray(new long[] { 3, 0, 1, 1, 2, 2 }, 3, 2));
        Assert.Equal(new[] { 3, 2 }, y.Shape.ToArray());
        Assert.Equal(dtype, y.DType);
        Assert.Equal(new[] { 3.0, 0, 5, 5, 10, 10 }, y.ToArray<double>());
    }

    [Fact]
    public void Gather_Axis0_SmallerIndexOnOtherAxis()
    {
        Tensor y = Iota(3, 4).Gather(0, Tensor.FromArray(new long[] { 2, 0, 1 }, 1, 3));
        Assert.Equal(new[] { 8.0, 1, 6 }, y.ToArray<double>());
    }

    [Fact]
    public void ScatterAdd_RepeatedIndices_Accumulate()
    {
        Tensor y = Tensor.Ones([2, 3], DType.Float64).ScatterAdd(1, Tensor.FromArray(new long[] { 0, 0, 2, 1 }, 2, 2), Iota(2, 2) + 1);
        Assert.Equal(new[] { 4.0, 1, 1, 1, 5, 4 }, y.ToArray<double>());
    }

    [Fact]
    public void IndexSelect_RepeatsAndOrder_Kept()
    {
        Tensor y = Iota(2, 3).IndexSelect(-1, Tensor.FromArray(new long[] { 2, 2, 0 }));
        Assert.Equal(new[] { 2, 3 }, y.Shape.ToArray());
        Assert.Equal(new[] { 2.0, 2, 0, 5, 5, 3 }, y.ToArray<double>());
    }

    [Fact]
    public void IndexSelect_Backward_AccumulatesRepeats()
    {
        Tensor x = Iota(3, 2).RequireGrad();
        x.IndexSelect(0, Tensor.FromArray(new long[] { 1, 1, 2 })).Sum().Backward();
        Assert.Equal(new[] { 0.0, 0, 2, 2, 1, 1 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void OneHot_Classes_NewLastAxis()
    {
        Tensor y = Tensor.FromArray(new long[] { 2, 0, 1, 2 }, 2, 2).OneHot(3);
        Assert.Equal(new[] { 2, 2, 3 }, y.Shape.ToArray());
        Assert.Equal(new[] { 0f, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1 }, y.ToArray());
        Assert.False(y.RequiresGrad);
    }

    [Fact]
    public void OneHot_ClassOutOfRange_NamesIndexAndClasses()
    {
        var ex = Assert.Throws<IndexOutOfRangeException>(() => Tensor.FromArray(new long[] { 1, 3 }).OneHot(3));
        Assert.Contains("one_hot: index 3 at flat position 1 of the indices (2,) is out of range for 3 classes (valid: 0..2)", ex.Message);
    }

    public static TheoryData<string, Func<Tensor>> OutOfRange() => new()
    {
        { "gather: index 4 at flat position 1 of the indices (1, 2) is out of range for axis 1 of size 4", () => Iota(3, 4).Gather(1, Tensor.FromArray(new long[] { 0, 4 }, 1, 2)) },
        { "index_select: index -1 at flat position 0 of the indices (1,) is out of range for axis 0 of size 3", () => Iota(3, 4).IndexSelect(0, Tensor.FromArray(new long[] { -1 })) },
        { "scatter_add: index 3 at flat position 0 of the indices (1, 1) is out of range for axis 0 of size 3", () => Iota(3, 4).ScatterAdd(0, Tensor.FromArray(new long[] { 3 }, 1, 1), Iota(1, 1)) },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void IndexOps_IndexOutOfRange_NameIndexAndAxisSize(string expected, Func<Tensor> run)
    {
        var ex = Assert.Throws<IndexOutOfRangeException>(() => run());
        Assert.Contains(expected, ex.Message);
    }

    public static TheoryData<string, Func<Tensor>> FloatIndices() => new()
    {
        { "gather", () => Iota(3).Gather(0, Tensor.FromArray(new double[] { 1 })) },
        { "index_select", () => Iota(3).IndexSelect(0, Tensor.FromArray(new float[] { 1 })) },
        { "scatter_add", () => Iota(3).ScatterAdd(0, Tensor.FromArray(new double[] { 1 }), Iota(1)) },
        { "one_hot", () => Tensor.FromArray(new float[] { 1 }).OneHot(3) },
    };

    [Theory]
    [MemberData(nameof(FloatIndices))]
    public void IndexOps_FloatIndices_RefusedWithTheConversion(string op, Func<Tensor> run)
    {
        var ex = Assert.Throws<ArgumentException>(() => run());
        Assert.StartsWith($"{op}: the indices are f", ex.Message);
        Assert.Contains("must be an Int64 or Int32 tensor", ex.Message);
        Assert.Contains("indices.To(DType.Int64)", ex.Message);
    }

    [Fact]
    public void Gather_IndexLargerOnOtherAxis_NamesBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Iota(2, 3).Gather(1, Tensor.Zeros([3, 1])));
        Assert.Contains("gather: indices of shape (3, 1) do not fit input of shape (2, 3) along axis 1", ex.Message);
    }

    [Fact]
    public void IndexSelect_BadAxis_NamesAxisAndRank()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Iota(2, 3).IndexSelect(-3, Tensor.Zeros([1])));
        Assert.Contains("index_select: axis -3 is out of range for a tensor of rank 2", ex.Message);
    }
}
