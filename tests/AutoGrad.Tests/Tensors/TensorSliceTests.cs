using AutoGrad.Tensors;

namespace AutoGrad.Tests.Tensors;

/// <summary>Tensors over a slice of a larger array (as a compiled graph's arena hands out) see only their own elements.</summary>
public class TensorSliceTests
{
    private static double[] Counting(int length) => [.. Enumerable.Range(0, length).Select(i => (double)i)];

    [Fact]
    public void Slice_ReadsAndWrites_TouchOnlyItsElements()
    {
        double[] data = Counting(10);
        var t = new Tensor(data, 3, new Shape(2, 2));
        Assert.Equal([3.0, 4, 5, 6], t.ToArray<double>());
        Assert.Equal([3f, 4, 5, 6], t.ToArray());
        Assert.Equal(5.0, t[1, 0]);
        Assert.Equal(4, t.AsSpan<double>().Length);

        t[0, 1] = 40;
        Assert.Equal(40.0, data[4]);
        t.AddInPlace(Tensor.Ones([2, 2], DType.Float64));
        Assert.Equal([0.0, 1, 2, 4, 41, 6, 7, 7, 8, 9], data);

        t.ClearElements();
        Assert.Equal([0.0, 1, 2, 0, 0, 0, 0, 7, 8, 9], data);
    }

    [Fact]
    public void Slice_CloneAndCopy_CopyOnlyItsElements()
    {
        double[] data = Counting(10);
        var t = new Tensor(data, 6, new Shape(4));
        Tensor clone = t.Clone();
        data[6] = -1;
        Assert.Equal([6.0, 7, 8, 9], clone.ToArray<double>());

        var backing = new double[8];
        var target = new Tensor(backing, 2, new Shape(4));
        t.CopyTo(1, target, 0, 3);
        Assert.Equal([0.0, 0, 7, 8, 9, 0, 0, 0], backing);
    }

    [Fact]
    public void Slice_AsOpInput_GivesTheSameResultAsAnOwnedTensor()
    {
        var g = new Generator(3);
        Tensor x = Tensor.RandN([2, 3, 5, 5], g, DType.Float64), w = Tensor.RandN([4, 3, 3, 3], g, DType.Float64);
        Tensor m = Tensor.RandN([75, 6], g, DType.Float64);
        Tensor xs = Embed(x, 7), ws = Embed(w, 16), ms = Embed(m, 1);

        Assert.Equal(x.Conv2D(w).ToArray<double>(), xs.Conv2D(ws).ToArray<double>());
        Assert.Equal(x.Reshape(2, 75).MatMul(m).ToArray<double>(), xs.Reshape(2, 75).MatMul(ms).ToArray<double>());
        Assert.Equal(Tensor.Concat([x, x.Exp()], axis: 1).ToArray<double>(), Tensor.Concat([xs, xs.Exp()], axis: 1).ToArray<double>());

        // The convolution's input and filter gradients read and write through the slices too.
        foreach (Tensor t in new[] { x, w, xs, ws })
        {
            t.RequiresGrad = true;
        }

        x.Conv2D(w).Tanh().Sum().Backward();
        xs.Conv2D(ws).Tanh().Sum().Backward();
        Assert.Equal(x.Grad!.ToArray<double>(), xs.Grad!.ToArray<double>());
        Assert.Equal(w.Grad!.ToArray<double>(), ws.Grad!.ToArray<double>());
    }

    [Fact]
    public void Storage_PastTheArrayEnd_IsRefused_SoReadsNeedNoRangeCheck()
    {
        // Tensor.AsSpan makes its span without a range check, relying on this one.
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorStorage(new float[4], 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorStorage(new float[4], 5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorStorage(new float[4], -1, 2));
        Assert.Equal(2, new TensorStorage(new float[4], 2, 2).Length);
    }

    [Fact]
    public void AsSpan_OfTheWrongElementType_IsRefused()
    {
        var t = new Tensor(new double[6], 2, new Shape(2, 2));
        var error = Assert.Throws<InvalidOperationException>(() => t.AsSpan<float>());
        Assert.Contains("Float64", error.Message);
        Assert.Contains("Single", error.Message);
        Assert.Throws<InvalidOperationException>(() => t.AsSpan<long>());
        Assert.Equal(4, t.AsSpan<double>().Length);
    }

    [Fact]
    public void Slice_PastTheArrayEnd_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new Tensor(new float[4], 2, new Shape(3)));
        Assert.Throws<ArgumentException>(() => new Tensor(new float[4], 5, new Shape(0)));
    }

    // The values of t placed at an offset inside a larger array whose other elements are NaN, so a read outside shows.
    private static Tensor Embed(Tensor t, int offset)
    {
        double[] data = [.. Enumerable.Repeat(double.NaN, offset + t.Size + 5)];
        t.AsSpan<double>().CopyTo(data.AsSpan(offset));
        return new Tensor(data, offset, t.Shape);
    }
}
