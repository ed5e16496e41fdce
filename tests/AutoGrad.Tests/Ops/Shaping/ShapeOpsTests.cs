using AutoGrad.Tensors;

namespace AutoGrad.Tests.Ops.Shaping;

public class ShapeOpsTests
{
    private static Tensor Iota(params int[] shape) => Tensor.Arange(new Shape(shape).Size, DType.Float64).Reshape(shape);

    [Theory]
    [InlineData(new[] { 2, 0, 1 })]
    [InlineData(new[] { 1, 2, 0 })]
    [InlineData(new[] { -1, -2, -3 })]
    [InlineData(new[] { 0, 1, 2 })]
    public void Permute_ThreeAxes_MatchesIndexArithmetic(int[] axes)
    {
        Tensor x = Iota(2, 3, 4);
        Tensor y = x.Permute(axes);
        int[] perm = axes.Select(a => a < 0 ? a + 3 : a).ToArray();
        Assert.Equal(perm.Select(a => x.Shape[a]).ToArray(), y.Shape.ToArray());
        for (int i = 0; i < y.Shape[0]; i++)
        for (int j = 0; j < y.Shape[1]; j++)
        for (int k = 0; k < y.Shape[2]; k++)
        {
            var source = new int[3];
            source[perm[0]] = i;
            source[perm[1]] = j;
            source[perm[2]] = k;
            Assert.Equal(x[source], y[i, j, k]);
        }
    }

    [Fact]
    public void Transpose_Default_SwapsLastTwoAxes()
    {
        Tensor y = Iota(2, 2, 3).Transpose();
        Assert.Equal(new[] { 2, 3, 2 }, y.Shape.ToArray());
        Assert.Equal(new[] { 0.0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11 }, y.ToArray<double>());
    }

    [Fact]
    public void Transpose_Vector_NamesOpAndShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => Iota(3).Transpose());
        Assert.Contains("transpose: input must have at least 2 axes, got shape (3,)", ex.Message);
    }

    [Theory]
    [InlineData(new[] { 0, 0, 1 }, "axis 0 is given more than once")]
    [InlineData(new[] { 0, 1 }, "got 2 axes (0, 1) for a tensor of rank 3")]
    public void Permute_NotAPermutation_ExplainsWhy(int[] axes, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => Iota(2, 3, 4).Permute(axes));
        Assert.Contains(expected, ex.Message);
    }

    [Theory]
    [InlineData(null, new[] { 2, 3 })]
    [InlineData(1, new[] { 2, 3, 1 })]
    [InlineData(-1, new[] { 2, 1, 3 })]
    public void Squeeze_Axis_RemovesSizeOneAxes(int? axis, int[] expected) =>
        Assert.Equal(expected, Iota(2, 1, 3, 1).Squeeze(axis).Shape.ToArray());

    [Fact]
    public void Squeeze_AxisNotOne_NamesAxisAndSize()
    {
        var ex = Assert.Throws<ArgumentException>(() => Iota(2, 1, 3).Squeeze(2));
        Assert.Contains("squeeze: axis 2 of shape (2, 1, 3) has size 3", ex.Message);
    }

    [Theory]
    [InlineData(0, new[] { 1, 2, 3 })]
    [InlineData(2, new[] { 2, 3, 1 })]
    [InlineData(-1, new[] { 2, 3, 1 })]
    [InlineData(-3, new[] { 1, 2, 3 })]
    public void Unsqueeze_Axis_InsertsSizeOneAxis(int axis, int[] expected) =>
        Assert.Equal(expected, Iota(2, 3).Unsqueeze(axis).Shape.ToArray());

    [Theory]
    [InlineData(3)]
    [InlineData(-4)]
    public void Unsqueeze_AxisOutOfRange_NamesAxisAndRank(int axis)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Iota(2, 3).Unsqueeze(axis));
        Assert.Contains($"unsqueeze: axis {axis} is out of range for a tensor of rank 3", ex.Message);
    }

    [Theory]
    [InlineData(1, new[] { 2, 12 })]
    [InlineData(0, new[] { 24 })]
    [InlineData(-1, new[] { 2, 3, 4 })]
    [InlineData(2, new[] { 2, 3, 4 })]
    public void Flatten_StartAxis_MergesTrailingAxes(int start, int[] expected) =>
        Assert.Equal(expected, Iota(2, 3, 4).Flatten(start).Shape.ToArray());

    [Theory]
    [InlineData(0, new[] { 0.0, 1, 2, 3, 4, 5, 10, 11, 12 }, new[] { 3, 3 })]
    [InlineData(1, new[] { 0.0, 1, 2, 10, 3, 4, 5, 11 }, new[] { 2, 4 })]
    public void Concat_Axis_JoinsInOrder(int axis, double[] expected, int[] shape)
    {
        Tensor a = Iota(2, 3);
        Tensor b = axis == 0 ? Iota(1, 3) + 10 : Iota(2, 1) + 10;
        Tensor y = Tensor.Concat([a, b], axis);
        Assert.Equal(shape, y.Shape.ToArray());
        Assert.Equal(expected, y.ToArray<double>());
    }

    [Fact]
    public void Concat_MismatchedShapes_NamesAxisAndBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Concat([Iota(2, 3), Iota(3, 2)], 1));
        Assert.Contains("concat: tensor 1 has shape (3, 2) but tensor 0 has shape (2, 3); along axis 1", ex.Message);
    }

    [Fact]
    public void Concat_BadAxis_NamesAxisAndRank()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Concat([Iota(2, 3)], 2));
        Assert.Contains("concat: axis 2 is out of range for a tensor of rank 2", ex.Message);
    }

    [Theory]
    [InlineData(0, new[] { 2, 2, 3 }, new[] { 0.0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15 })]
    [InlineData(-1, new[] { 2, 3, 2 }, new[] { 0.0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15 })]
    public void Stack_Axis_AddsNewAxis(int axis, int[] shape, double[] expected)
    {
        Tensor y = Tensor.Stack([Iota(2, 3), Iota(2, 3) + 10], axis);
        Assert.Equal(shape, y.Shape.ToArray());
        Assert.Equal(expected, y.ToArray<double>());
    }

    [Fact]
    public void Stack_DifferentShapes_NamesBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Stack([Iota(2, 3), Iota(3, 2)]));
        Assert.Contains("stack: tensor 1 has shape (3, 2) but tensor 0 has shape (2, 3)", ex.Message);
    }

    [Fact]
    public void Split_Sizes_CutsConsecutivePieces()
    {
        Tensor[] pieces = Iota(2, 5).Split([2, 0, 3], 1);
        Assert.Equal(new[] { 2, 2 }, pieces[0].Shape.ToArray());
        Assert.Equal(new[] { 2, 0 }, pieces[1].Shape.ToArray());
        Assert.Equal(new[] { 2.0, 3, 4, 7, 8, 9 }, pieces[2].ToArray<double>());
    }

    [Fact]
    public void Split_SectionsNotDividing_NamesSizeAndSections()
    {
        var ex = Assert.Throws<ArgumentException>(() => Iota(2, 5).Split(2, 1));
        Assert.Contains("split: axis 1 of shape (2, 5) has size 5, which does not divide evenly into 2 sections", ex.Message);
    }

    [Theory]
    [InlineData(1, 4, 1)]
    [InlineData(-3, -1, 1)]
    [InlineData(0, 100, 2)]
    [InlineData(-100, 3, 3)]
    [InlineData(4, 2, 1)]
    [InlineData(1, 6, 4)]
    public void Slice_PythonBounds_MatchesPythonSemantics(int start, int stop, int step)
    {
        Tensor y = Iota(2, 6).Slice(1, start, stop, step);
        int from = Math.Clamp(start < 0 ? start + 6 : start, 0, 6), to = Math.Clamp(stop < 0 ? stop + 6 : stop, 0, 6);
        var kept = new List<int>();
        for (int i = from; i < to; i += step)
        {
            kept.Add(i);
        }

        Assert.Equal(new[] { 2, kept.Count }, y.Shape.ToArray());
        Assert.Equal(kept.Select(i => (double)i).Concat(kept.Select(i => i + 6.0)), y.ToArray<double>());
    }

    [Fact]
    public void Slice_ZeroStep_NamesStep()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Iota(4).Slice(0, 0, 4, 0));
        Assert.Contains("slice: step must be positive, got 0", ex.Message);
    }

    [Fact]
    public void Pad_TwoAxes_SurroundsWithValue()
    {
        Tensor y = Iota(2, 2).Pad([(1, 0), (0, 2)], -1);
        Assert.Equal(new[] { 3, 4 }, y.Shape.ToArray());
        Assert.Equal(new[] { -1.0, -1, -1, -1, 0, 1, -1, -1, 2, 3, -1, -1 }, y.ToArray<double>());
    }

    [Theory]
    [InlineData(1, "got 1 (before, after) pairs for a tensor of rank 2")]
    [InlineData(2, "padding (-1, 0) for axis 1 is negative")]
    public void Pad_BadPadding_ExplainsWhy(int pairs, string expected)
    {
        (int, int)[] padding = pairs == 1 ? [(1, 1)] : [(0, 0), (-1, 0)];
        var ex = Assert.Throws<ArgumentException>(() => Iota(2, 2).Pad(padding));
        Assert.Contains(expected, ex.Message);
    }
}
